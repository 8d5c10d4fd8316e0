/**
 * The scanner rules written the plain way, over every click of an email at once: what any order of arrival,
 * any split into queue batches and any redelivery must end with (tests compare the consumer's rows with it).
 */
import { BURST_MS, TOO_SOON_MS, type ScannerReason } from "../../worker/actions/scanner-rules";
import type { ClickMessage } from "../../worker/env";

export function expectedReasons(clicks: ClickMessage[], sentAt: number): Map<string, ScannerReason | null> {
  const reasons = new Map<string, ScannerReason | null>();
  for (const click of clicks) {
    const base = click.reason ?? (click.at - sentAt < TOO_SOON_MS ? "too-soon" : null);
    const burst = clicks.some((other) => other.link !== click.link && Math.abs(other.at - click.at) < BURST_MS);
    reasons.set(click.id, base ?? (burst ? "burst" : null));
  }
  return reasons;
}

/** Whether the email counts as a human click, and as a scanner click. */
export function expectedCounts(reasons: Map<string, ScannerReason | null>) {
  const all = [...reasons.values()];
  return {
    human: all.some((reason) => reason === null) ? 1 : 0,
    scanner: all.some((reason) => reason !== null) ? 1 : 0,
  };
}

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

/** A small seeded generator (mulberry32): the same run every time. */
export function seeded(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function shuffled<T>(items: T[], random: () => number): T[] {
  const copy = [...items];
  for (let i = copy.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [copy[i], copy[j]] = [copy[j]!, copy[i]!];
  }
  return copy;
}

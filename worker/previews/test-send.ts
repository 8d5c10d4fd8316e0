import type { AppDeps } from "../app-deps";
import type { CompiledPart, CompiledSeries } from "../content/types";
import { D1Meter } from "../delivery/d1-meter";
import { takeSharedSlot } from "../mail/shared-slot";
import { providerSlotRetryAfter, waitForProviderSlot } from "../mail/provider-slot";
import { composeTestEmail } from "./sample-email";

/** Test sends per minute for the whole team (every admin, every isolate). */
export const TEST_SENDS_PER_MINUTE = 10;

export type TestSendResult =
  | { kind: "sent"; providerMessageId: string | null; subject: string }
  | { kind: "rate_limited" }
  /** The team's provider rate is booked (deliveries, confirmations) beyond a short wait: try again then. */
  | { kind: "provider_busy"; retryAfterSeconds: number }
  | { kind: "refused"; message: string }
  | { kind: "failed"; message: string };

/**
 * One email through the configured mailer: no delivery row, no position change, counted against the limit,
 * on a slot of the team's provider rate like every other provider call.
 */
export async function sendTestEmail(
  deps: Pick<AppDeps, "db" | "config" | "mailer">,
  input: { to: string; series: CompiledSeries; part: CompiledPart },
): Promise<TestSendResult> {
  const { db: d1, config, mailer } = deps;
  const slotDeps = { db: d1, meter: new D1Meter(d1), clock: Date.now };
  if (!(await takeSharedSlot(slotDeps, { name: "test-send", limit: TEST_SENDS_PER_MINUTE, windowMs: 60_000 })))
    return { kind: "rate_limited" };
  if (!(await waitForProviderSlot(slotDeps, { provider: mailer.name, perSecond: config.providerRps }))) {
    return { kind: "provider_busy", retryAfterSeconds: await providerSlotRetryAfter(slotDeps, mailer.name) };
  }
  const email = composeTestEmail(deps, input);
  const result = await mailer.sendBatch([email], `test-send-${crypto.randomUUID()}`);
  switch (result.kind) {
    case "sent": {
      const refused = result.refused?.[0];
      if (refused) return { kind: "refused", message: refused.message };
      return { kind: "sent", providerMessageId: result.ids[0] ?? null, subject: email.subject };
    }
    case "rate_limited":
      return { kind: "rate_limited" };
    case "rejected":
      return { kind: "refused", message: result.message };
    case "unknown":
      return { kind: "failed", message: result.message };
  }
}

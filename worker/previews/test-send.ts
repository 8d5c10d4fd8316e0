import type { Config } from "../config";
import type { CompiledPart, CompiledSeries } from "../content/types";
import type { Mailer } from "../mail";
import { takeSharedSlot } from "../lib/shared-rate-limit";
import { composeTestEmail } from "./sample-email";

/** Test sends per minute for the whole team (every admin, every isolate). */
export const TEST_SENDS_PER_MINUTE = 10;

export type TestSendResult =
  | { kind: "sent"; providerMessageId: string | null; subject: string }
  | { kind: "rate_limited" }
  | { kind: "refused"; message: string }
  | { kind: "failed"; message: string };

/** One email through the configured mailer: no delivery row, no position change, counted against the limit. */
export async function sendTestEmail(
  d1: D1Database,
  mailer: Mailer,
  config: Config,
  input: { to: string; series: CompiledSeries; part: CompiledPart },
): Promise<TestSendResult> {
  if (!(await takeSharedSlot(d1, "test-send", TEST_SENDS_PER_MINUTE, 60_000))) return { kind: "rate_limited" };
  const email = await composeTestEmail(config, input.series, input.part, input.to);
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

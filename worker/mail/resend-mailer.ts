import { Resend } from "resend";
import type { BatchResult, Mailer, OutgoingEmail } from "./mailer";

/** A provider call that has not answered by then is treated as "unknown" and retried with the same key. */
const REQUEST_TIMEOUT_MS = 15_000;

export function createResendMailer(apiKey: string, baseUrl?: string, timeoutMs = REQUEST_TIMEOUT_MS): Mailer {
  const resend = new Resend(apiKey, baseUrl ? { baseUrl } : undefined);
  return {
    name: "resend",
    async sendBatch(emails: OutgoingEmail[], idempotencyKey: string): Promise<BatchResult> {
      const { data, error, headers } = await resend.batch.send(emails, {
        idempotencyKey,
        signal: AbortSignal.timeout(timeoutMs),
      } as Parameters<typeof resend.batch.send>[1]);
      if (data && !error) {
        const ids = data.data.map((item) => item.id);
        if (ids.length !== emails.length) {
          return { kind: "unknown", status: 200, message: `provider returned ${ids.length} ids for ${emails.length} emails` };
        }
        return { kind: "sent", ids };
      }
      const status = (error as { statusCode?: number | null } | null)?.statusCode ?? null;
      const message = error?.message ?? "no answer";
      if (status === 429) return { kind: "rate_limited", retryAfterMs: retryAfterMs(headers), message };
      // 409 = the same key is still being processed (or was used with another payload): not ours to resend now.
      if (status !== null && status >= 400 && status < 500 && status !== 409) return { kind: "rejected", status, message };
      return { kind: "unknown", status, message };
    },
  };
}

function retryAfterMs(headers: Record<string, string> | null): number {
  const seconds = Number(headers?.["retry-after"] ?? headers?.["ratelimit-reset"] ?? 1);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 3600) * 1000 : 1000;
}

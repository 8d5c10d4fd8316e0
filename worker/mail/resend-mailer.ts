import { Resend } from "resend";
import type { BatchResult, Mailer, OutgoingEmail } from "./mailer";

/** A provider call that has not answered by then is treated as "unknown" and retried with the same key. */
const REQUEST_TIMEOUT_MS = 15_000;

export function createResendMailer(apiKey: string, baseUrl?: string, timeoutMs = REQUEST_TIMEOUT_MS): Mailer {
  const resend = new Resend(apiKey, baseUrl ? { baseUrl } : undefined);
  return {
    name: "resend",
    async sendBatch(emails: OutgoingEmail[], idempotencyKey: string): Promise<BatchResult> {
      // Permissive: one invalid recipient is refused alone instead of failing its 99 neighbours.
      const { data, error, headers } = await resend.batch.send(emails, {
        idempotencyKey,
        batchValidation: "permissive",
        signal: AbortSignal.timeout(timeoutMs),
      } as Parameters<typeof resend.batch.send>[1]);
      if (data && !error) {
        const refused = ((data as { errors?: { index: number; message: string }[] }).errors ?? [])
          .filter((e) => Number.isInteger(e.index) && e.index >= 0 && e.index < emails.length);
        const accepted = data.data.map((item) => item.id);
        if (accepted.length + refused.length !== emails.length) {
          const answered = `${accepted.length} ids and ${refused.length} errors`;
          return { kind: "unknown", status: 200, message: `provider returned ${answered} for ${emails.length} emails` };
        }
        // Accepted ids come in the order of the emails that were not refused.
        const refusedAt = new Set(refused.map((e) => e.index));
        let next = 0;
        const ids = emails.map((_, i) => (refusedAt.has(i) ? null : accepted[next++]!));
        return { kind: "sent", ids, refused };
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

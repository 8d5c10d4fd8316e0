import { joinUtf8, type Utf8Piece } from "../lib/utf8-join";
import { apiEmailJson, type BatchResult, type Mailer, type OutgoingEmail } from "./mailer";

/** A provider call that has not answered by then is treated as "unknown" and retried with the same key. */
const REQUEST_TIMEOUT_MS = 15_000;
const DEFAULT_BASE_URL = "https://api.resend.com";

/**
 * POST /emails/batch with `fetch`, the body joined from each email's pre-encoded JSON: the resend SDK's
 * JSON.stringify of ~1 MB per batch cost more CPU than composing the emails. Same headers and body as the SDK
 * (tests/delivery/lean-send.test.ts compares them); the SDK stays for everything else (webhooks).
 */
export function createResendMailer(apiKey: string, baseUrl = DEFAULT_BASE_URL, timeoutMs = REQUEST_TIMEOUT_MS): Mailer {
  const url = `${baseUrl}/emails/batch`;
  return {
    name: "resend",
    async sendBatch(emails: OutgoingEmail[], idempotencyKey: string): Promise<BatchResult> {
      const body = batchRequestBody(emails);
      let response: Response;
      let answer: unknown;
      try {
        response = await fetch(url, {
          method: "POST",
          headers: {
            Authorization: `Bearer ${apiKey}`,
            "Content-Type": "application/json",
            "User-Agent": "nextpart",
            "Idempotency-Key": idempotencyKey,
            // Permissive: one invalid recipient is refused alone instead of failing its 99 neighbours.
            "x-batch-validation": "permissive",
          },
          body,
          signal: AbortSignal.timeout(timeoutMs),
        });
        const text = await response.text();
        try {
          answer = JSON.parse(text);
        } catch {
          answer = null;
        }
      } catch (error) {
        // No answer (network, timeout): it may have been accepted; only the same batch under the same key is safe.
        return { kind: "unknown", status: null, message: error instanceof Error ? error.message : String(error) };
      }
      const status = response.status;
      if (response.ok) return readAccepted(answer, emails.length);
      const message = (answer as { message?: unknown } | null)?.message;
      const reason = typeof message === "string" ? message : response.statusText || `HTTP ${status}`;
      if (status === 429)
        return { kind: "rate_limited", retryAfterMs: retryAfterMs(response.headers), message: reason };
      // 409 = the same key is still being processed (or was used with another payload): not ours to resend now.
      if (status >= 400 && status < 500 && status !== 409) return { kind: "rejected", status, message: reason };
      return { kind: "unknown", status, message: reason };
    },
  };
}

/** The JSON array POST /emails/batch takes, as UTF-8: each email's pre-encoded pieces copied in (no re-serialization). */
export function batchRequestBody(emails: OutgoingEmail[]): Uint8Array {
  const pieces: Utf8Piece[] = ["["];
  emails.forEach((email, i) => {
    if (i > 0) pieces.push(",");
    for (const piece of email.json ?? apiEmailJson(email)) pieces.push(piece);
  });
  pieces.push("]");
  return joinUtf8(pieces);
}

/** A 200: ids for the accepted emails, in order, and per-email `errors` (permissive validation). */
function readAccepted(answer: unknown, count: number): BatchResult {
  const data = answer as { data?: { id?: unknown }[]; errors?: { index: number; message: string }[] } | null;
  if (!data || !Array.isArray(data.data) || data.data.some((item) => typeof item?.id !== "string")) {
    return { kind: "unknown", status: 200, message: "provider answered 200 without ids" };
  }
  const refused = (Array.isArray(data.errors) ? data.errors : []).filter(
    (e) => Number.isInteger(e.index) && e.index >= 0 && e.index < count,
  );
  const accepted = data.data.map((item) => item.id as string);
  if (accepted.length + refused.length !== count) {
    const answered = `${accepted.length} ids and ${refused.length} errors`;
    return { kind: "unknown", status: 200, message: `provider returned ${answered} for ${count} emails` };
  }
  // Accepted ids come in the order of the emails that were not refused.
  const refusedAt = new Set(refused.map((e) => e.index));
  let next = 0;
  const ids = Array.from({ length: count }, (_, i) => (refusedAt.has(i) ? null : accepted[next++]!));
  return { kind: "sent", ids, refused };
}

function retryAfterMs(headers: Headers): number {
  const seconds = Number(headers.get("retry-after") ?? headers.get("ratelimit-reset") ?? 1);
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 3600) * 1000 : 1000;
}

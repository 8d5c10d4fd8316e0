/** One email, whole: what both mailers take. */
export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
}

/**
 * What a provider said about a batch:
 * - sent: accepted, ids in the order of the emails; with permissive validation some emails may be refused
 *   (their id is null and `refused` says why), the others are accepted;
 * - rate_limited: definitely not accepted; try again after `retryAfterMs`;
 * - rejected: definitely not accepted (bad request); retrying the same batch will not help;
 * - unknown: 5xx, timeout or network error: it may or may not have been accepted, so the only safe retry is
 *   the same batch under the same idempotency key.
 */
export type BatchResult =
  | { kind: "sent"; ids: (string | null)[]; refused?: { index: number; message: string }[] }
  | { kind: "rate_limited"; retryAfterMs: number; message: string }
  | { kind: "rejected"; status: number; message: string }
  | { kind: "unknown"; status: number | null; message: string };

export interface Mailer {
  readonly name: "resend" | "outbox";
  /** Up to 100 emails in one provider call; the key makes a retry of the same batch a no-op. */
  sendBatch(emails: OutgoingEmail[], idempotencyKey: string): Promise<BatchResult>;
}

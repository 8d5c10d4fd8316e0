import type { Utf8Piece } from "../lib/utf8-join";

/** One email, whole: what both mailers take. */
export interface OutgoingEmail {
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  headers: Record<string, string>;
  /** Resend carries these back in every webhook event of the email: a part email's names its delivery. */
  tags?: { name: string; value: string }[];
  /**
   * This email as the provider API's JSON object in UTF-8 pieces (lib/utf8-join), when the composer built it
   * from pre-encoded template pieces; it must parse to exactly the fields above (apiEmailJson: for any email).
   */
  json?: Utf8Piece[];
}

/**
 * The tag naming a part email's delivery (its id in digits: Resend allows letters, digits, _ and -). Ours by
 * name, so another app's tags on the same Resend account never name one of our deliveries.
 */
export const DELIVERY_TAG = "nextpart_delivery";

/** An email's JSON object as the resend SDK writes it (same keys, same order), so either way gives the same bytes. */
export const apiEmailJson = (email: OutgoingEmail): Utf8Piece[] => [
  JSON.stringify({
    from: email.from,
    headers: email.headers,
    html: email.html,
    subject: email.subject,
    tags: email.tags,
    text: email.text,
    to: email.to,
  }),
];

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

import { suppressionHash } from "./suppression";

/** The deliveries of ?1's subscriptions (through their indexes): what clicks, responses and webhooks hang off. */
const THEIR_DELIVERIES = `SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id WHERE s.subscriber_id = ?1`;
/** The provider ids of ?1's confirmation emails (consents_subscriber_id_idx). */
export const THEIR_CONFIRMATIONS = `SELECT provider_message_id FROM consents WHERE subscriber_id = ?1 AND provider_message_id IS NOT NULL`;

/**
 * ?1 subscriber id, ?2 their address. Children first (events and webhook rows point at deliveries). Rare and
 * whole: webhook_events about confirmation emails, outbox and referrals are matched without an index (an erasure
 * reads those tables once).
 */
export const eraseSql = {
  clicks: `DELETE FROM clicks WHERE delivery_id IN (${THEIR_DELIVERIES}) OR subscriber_id = ?1`,
  responses: `DELETE FROM responses WHERE delivery_id IN (${THEIR_DELIVERIES}) OR subscriber_id = ?1`,
  events: `DELETE FROM events WHERE subscriber_id = ?1 OR delivery_id IN (${THEIR_DELIVERIES})`,
  // Provider events about their deliveries, and about their confirmation emails (no delivery row: by the consent's id).
  webhookEvents: `DELETE FROM webhook_events WHERE delivery_id IN (${THEIR_DELIVERIES})
    OR provider_message_id IN (${THEIR_CONFIRMATIONS})`,
  deliveries: `DELETE FROM deliveries WHERE subscription_id IN (SELECT id FROM subscriptions WHERE subscriber_id = ?1)`,
  outbox: `DELETE FROM outbox WHERE lower("to") = lower(?2)`,
  // Import reports keep their rows (and counts) but no longer name them; by import_rows_email_idx.
  importRows: `UPDATE import_rows SET email = '', message = 'Erased at the person''s request.' WHERE lower(email) = lower(?2)`,
  // What retention kept of their slimmed deliveries (delivery_archive keeps only ids that now name no one).
  receivedParts: `DELETE FROM received_parts WHERE subscription_id IN (SELECT id FROM subscriptions WHERE subscriber_id = ?1)`,
  consents: `DELETE FROM consents WHERE subscriber_id = ?1`,
  readingChecks: `DELETE FROM reading_checks WHERE subscriber_id = ?1`,
  subscriptions: `DELETE FROM subscriptions WHERE subscriber_id = ?1`,
  // Readers they referred keep their subscription, not the erased person's id.
  referrals: `UPDATE subscribers SET referrer_id = NULL WHERE referrer_id = ?1`,
  subscriber: `DELETE FROM subscribers WHERE id = ?1`,
} as const;

export type ErasedCounts = Record<keyof typeof eraseSql, number>;

export type EraseResult =
  | { kind: "erased"; counts: ErasedCounts }
  | { kind: "not_found" }
  /**
   * A batch holding their delivery is being sent: erasing now would change a batch the provider may retry. A
   * batch the engine set aside (failed_after_unknown, dead) is never sent again: it does not stop an erasure.
   */
  | { kind: "in_flight" };

/**
 * GDPR erasure: every row holding the reader's data goes (import report rows stay, without their address), in
 * one D1 batch (one transaction: all or nothing), and only a keyed hash of the address stays in suppressions so
 * an import never re-adds them.
 */
export async function eraseSubscriber(
  d1: D1Database,
  hashSecret: string,
  id: number,
  now = Date.now(),
): Promise<EraseResult> {
  const found = await d1
    .prepare(`SELECT email, (SELECT count(*) FROM subscriptions s WHERE s.subscriber_id = ?1 AND s.batch_id IS NOT NULL
        AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = s.batch_id AND b.status IN ('failed_after_unknown', 'dead'))) AS inFlight
      FROM subscribers WHERE id = ?1`)
    .bind(id)
    .first<{ email: string; inFlight: number }>();
  if (!found) return { kind: "not_found" };
  if (found.inFlight > 0) return { kind: "in_flight" };
  const hash = await suppressionHash(hashSecret, found.email);
  const names = Object.keys(eraseSql) as (keyof typeof eraseSql)[];
  const bind = (text: string) => d1.prepare(text).bind(...(text.includes("?2") ? [id, found.email] : [id]));
  // A claim landing between the check above and this batch only loses this member: its batch sends without them.
  const results = await d1.batch([
    ...names.map((name) => bind(eraseSql[name])),
    d1
      .prepare(
        `INSERT INTO suppressions (email_hash, reason, created_at) VALUES (?1, 'erased', ?2) ON CONFLICT (email_hash) DO NOTHING`,
      )
      .bind(hash, now),
  ]);
  const counts = Object.fromEntries(names.map((name, i) => [name, results[i]!.meta.changes])) as ErasedCounts;
  return { kind: "erased", counts };
}

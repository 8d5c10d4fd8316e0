/**
 * Every SQL statement of provider events (recording them, the complaint guard, the dead letters), in one place so tests/delivery/query-plans.test.ts can prove
 * none scans a list table. A batch of events costs one read and one write round trip whatever its size: lists
 * travel as one JSON parameter (D1 allows 100 bound parameters per statement). Counters are bumped BEFORE the
 * change they count, in the same transaction, and only while that change is still to be made: a replayed or
 * repeated event counts nothing.
 */
import { signalReading } from "../reengage/reengage-queries";
import type { PartStatColumn } from "../stats/part-stats";

/** First-time columns of a delivery that provider events set, each with the part counter it feeds. */
export const deliveryMarks = {
  delivered_at: "delivered",
  delayed_at: "delayed",
  opened_at: "opened",
  bounced_at: "bounces",
  complained_at: "complaints",
  failed_at: "failed",
} as const satisfies Record<string, PartStatColumn>;
export type DeliveryMark = keyof typeof deliveryMarks;

/** ?1 a JSON array or object: its values (or keys) as a list, the way every IN below reads it. */
const values = (param: string) => `(SELECT value FROM json_each(${param}))`;
const integerKeys = (param: string) => `(SELECT CAST(key AS INTEGER) FROM json_each(${param}))`;

export const feedbackSql = {
  /** ?1 JSON array of svix ids: those recorded before (primary key). */
  seenEvents: `SELECT id FROM webhook_events WHERE id IN ${values("?1")}`,
  /** ?1 JSON array of provider message ids (deliveries_provider_message_id_idx). */
  findDeliveries: `SELECT id, provider_message_id AS messageId, subscriber_id AS subscriberId FROM deliveries
    WHERE provider_message_id IN ${values("?1")} AND provider_message_id IS NOT NULL`,
  /**
   * ?1 JSON array of provider message ids: confirmation emails (consents_provider_message_id_idx), the only mail
   * we send without a delivery row. Any other id (a test send, another app on the account) finds nobody.
   */
  findConfirmations: `SELECT provider_message_id AS messageId, subscriber_id AS subscriberId FROM consents
    WHERE provider_message_id IN ${values("?1")} AND provider_message_id IS NOT NULL`,
  /** ?1 JSON array of provider message ids: "Still reading?" emails (worker/reengage/), also without a delivery row. */
  findReadingChecks: `SELECT provider_message_id AS messageId, subscriber_id AS subscriberId FROM reading_checks
    WHERE provider_message_id IN ${values("?1")} AND provider_message_id IS NOT NULL`,
  /**
   * ?1 JSON {"deliveryId": time, …} of first opens, ?2 now, ?3 JSON array of the series whose "Still reading?"
   * rule counts opens: before the opens are marked, their readers' streaks start again (only first opens count).
   */
  signalOpens: signalReading(
    `SELECT subscription_id FROM deliveries WHERE id IN ${integerKeys("?1")} AND opened_at IS NULL AND series IN ${values("?3")}`,
    "?2",
  ),
  /** ?1 JSON array of [svix id, type, provider message id, delivery id, received at]; RETURNs the events new. */
  keepEvents: `INSERT INTO webhook_events (id, type, provider_message_id, delivery_id, received_at)
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
      json_extract(value, '$[4]')
    FROM json_each(?1) WHERE true ON CONFLICT (id) DO NOTHING RETURNING id`,

  /**
   * ?1 JSON {"deliveryId": time, …}. `count` adds the deliveries not marked yet to their parts' counter, then
   * `mark` sets the column where it is still null (a first complaint RETURNs its series, for the complaint guard).
   */
  markDeliveries: (column: DeliveryMark) => ({
    count: `INSERT INTO part_stats (series, part_id, ${deliveryMarks[column]})
      SELECT series, part_id, count(*) FROM deliveries WHERE id IN ${integerKeys("?1")} AND ${column} IS NULL GROUP BY series, part_id
      ON CONFLICT (series, part_id) DO UPDATE SET ${deliveryMarks[column]} = ${deliveryMarks[column]} + excluded.${deliveryMarks[column]}`,
    mark: `UPDATE deliveries SET ${column} = json_extract(?1, '$."' || id || '"')
      WHERE id IN ${integerKeys("?1")} AND ${column} IS NULL${column === "complained_at" ? " RETURNING series" : ""}`,
  }),

  /** ?1 subscriber id, ?2 status, ?3 reason, ?4 now, ?5 delivery id or null. The event first: once per reader. */
  recordSuppression: `INSERT INTO events (subscriber_id, delivery_id, type, data, created_at)
    SELECT ?1, ?5, ?2, json_object('reason', ?3), ?4
    WHERE EXISTS (SELECT 1 FROM subscribers WHERE id = ?1 AND status NOT IN ('bounced', 'complained'))`,
  markSuppressed: `UPDATE subscribers SET status = ?2, suppressed_reason = ?3, updated_at = ?4
    WHERE id = ?1 AND status NOT IN ('bounced', 'complained')`,
} as const;

/** Every statement with its placeholders filled in, for the query-plan test. */
export function allFeedbackStatements(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, text] of Object.entries(feedbackSql)) if (typeof text === "string") out[name] = text;
  for (const column of Object.keys(deliveryMarks) as DeliveryMark[]) {
    const { count, mark } = feedbackSql.markDeliveries(column);
    out[`count ${column}`] = count;
    out[`mark ${column}`] = mark;
  }
  return out;
}

/** The complaint guard (complaint-guard.ts). */
export const guardSql = {
  /** ?1 series, ?2 limit: the newest complaints, from the tiny partial index deliveries_series_complained_idx. */
  recentComplaints: `SELECT id FROM deliveries WHERE series = ?1 AND complained_at IS NOT NULL ORDER BY id DESC LIMIT ?2`,
  /**
   * ?1 series, ?2 oldest complaint looked at, ?3 window - 1: the first delivery of the window, walking back by
   * primary key and never below ?2 (rows read ≤ deliveries since that complaint). Only run on a complaint.
   */
  windowStart: `SELECT id FROM deliveries WHERE id >= ?2 AND series = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?3`,
  /** ?1 series, ?2 data, ?3 now: the last check, which the stats show. */
  recordCheck: `INSERT INTO events (subscriber_id, type, data, created_at) VALUES (NULL, 'complaint_guard', json(?2), ?3)`,
} as const;

/** Events the feedback queue gave up on (dead-letters.ts). */
export const deadLetterSql = {
  /** ?1 JSON array of [queue message id, svix id, type, provider message id, received at], ?2 now. */
  record: `INSERT INTO feedback_dead_letters (id, svix_id, type, provider_message_id, received_at, dead_at)
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
      json_extract(value, '$[4]'), ?2
    FROM json_each(?1) WHERE true ON CONFLICT (id) DO NOTHING`,
  /**
   * ?1 limit + 1, ?2/?3 the cursor (dead_at, rowid; null on the first page): newest first through
   * feedback_dead_letters_dead_at_idx. `recorded`: a later delivery of the same event got through after all.
   */
  list: `SELECT f.rowid AS rowid, f.svix_id AS svixId, f.type, f.provider_message_id AS providerMessageId,
      f.received_at AS receivedAt, f.dead_at AS deadAt, EXISTS (SELECT 1 FROM webhook_events w WHERE w.id = f.svix_id) AS recorded
    FROM feedback_dead_letters f WHERE ?2 IS NULL OR f.dead_at < ?2 OR (f.dead_at = ?2 AND f.rowid < ?3)
    ORDER BY f.dead_at DESC, f.rowid DESC LIMIT ?1`,
} as const;

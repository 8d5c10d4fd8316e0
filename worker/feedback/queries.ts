/**
 * Every SQL statement the provider's webhooks run, in one place so tests/delivery/query-plans.test.ts can prove
 * none scans a list table. Counters are bumped BEFORE the change they count, in the same transaction, and only
 * while that change is still to be made: a replayed or repeated event counts nothing.
 */
import type { PartStatColumn } from "../stats/part-stats";

/** First-time columns of a delivery that webhooks set, each with the part counter it feeds. */
export const deliveryMarks = {
  delivered_at: "delivered",
  opened_at: "opened",
  bounced_at: "bounces",
  complained_at: "complaints",
} as const satisfies Record<string, PartStatColumn>;
export type DeliveryMark = keyof typeof deliveryMarks;

/**
 * Counters with no column of their own: guarded by the webhook_events row of the delivery's first event of that
 * type (its own svix id aside), through webhook_events_delivery_id_type_idx.
 */
export const eventCounters = {
  "email.delivery_delayed": "delayed",
  "email.failed": "failed",
} as const satisfies Record<string, PartStatColumn>;

export const feedbackSql = {
  /** ?1 svix id. */
  seen: `SELECT 1 AS seen FROM webhook_events WHERE id = ?1`,
  /** ?1 provider message id (deliveries_provider_message_id_idx). */
  findDelivery: `SELECT id, subscriber_id AS subscriberId, series, part_id AS partId, part_number AS partNumber FROM deliveries
    WHERE provider_message_id = ?1 AND provider_message_id IS NOT NULL LIMIT 1`,
  /** ?1 email key: an event about mail that is no delivery (a confirmation email) still finds its reader. */
  findSubscriber: `SELECT id FROM subscribers WHERE email_key = ?1`,
  /** ?1 svix id, ?2 type, ?3 provider message id, ?4 delivery id, ?5 payload, ?6 now. */
  keepEvent: `INSERT INTO webhook_events (id, type, provider_message_id, delivery_id, payload, received_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (id) DO NOTHING`,

  /** ?1 delivery id, ?2 now. */
  markDelivery: (column: DeliveryMark) => ({
    count: `INSERT INTO part_stats (series, part_id, ${deliveryMarks[column]})
      SELECT series, part_id, 1 FROM deliveries WHERE id = ?1 AND ${column} IS NULL
      ON CONFLICT (series, part_id) DO UPDATE SET ${deliveryMarks[column]} = ${deliveryMarks[column]} + 1`,
    mark: `UPDATE deliveries SET ${column} = ?2 WHERE id = ?1 AND ${column} IS NULL`,
  }),

  /**
   * ?1 delivery id, ?2 event type. Runs before keepEvent in the same batch, so a second event of that type (or the
   * same event racing itself) finds the first one kept and counts nothing.
   */
  countFirstEvent: (type: keyof typeof eventCounters) => `INSERT INTO part_stats (series, part_id, ${eventCounters[type]})
      SELECT series, part_id, 1 FROM deliveries WHERE id = ?1
        AND NOT EXISTS (SELECT 1 FROM webhook_events WHERE delivery_id = ?1 AND type = ?2)
      ON CONFLICT (series, part_id) DO UPDATE SET ${eventCounters[type]} = ${eventCounters[type]} + 1`,

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
    const { count, mark } = feedbackSql.markDelivery(column);
    out[`count ${column}`] = count;
    out[`mark ${column}`] = mark;
  }
  for (const type of Object.keys(eventCounters) as (keyof typeof eventCounters)[]) {
    out[`count ${type}`] = feedbackSql.countFirstEvent(type);
  }
  return out;
}

import { eq } from "drizzle-orm";
import { subscribers } from "../../db/schema";
import type { Database } from "../db";
import { countUnsubscribes, growthSql } from "../stats/growth-counters";

/** ?1 subscriber id, ?2 now. Exported for tests/delivery/query-plans.test.ts (and reused by suppression). */
export const unsubscribeSql = {
  /**
   * Their deliveries in queued batches no consumer has attempted yet, found through their subscriptions'
   * batch ids (deliveries carry no subscriber index: every index on that table costs a write per email).
   */
  cancelQueued: `DELETE FROM deliveries WHERE batch_id IN (
      SELECT s.batch_id FROM subscriptions s JOIN batches b ON b.id = s.batch_id
      WHERE s.subscriber_id = ?1 AND b.status = 'claimed' AND b.attempts = 0)
    AND subscriber_id = ?1 AND status = 'claimed'`,
  /**
   * ?3 now minus 7 days: the last part received in each series still running, if it arrived within 7 days,
   * counts this unsubscribe (part_stats.unsubscribes). Before stopSubscriptions, so each series counts once.
   */
  countUnsubscribes: `INSERT INTO part_stats (series, part_id, unsubscribes)
    SELECT series, last_part_id, 1 FROM subscriptions
    WHERE subscriber_id = ?1 AND status <> 'stopped' AND last_part_id IS NOT NULL AND last_sent_at >= ?3
    ON CONFLICT (series, part_id) DO UPDATE SET unsubscribes = unsubscribes + 1`,
  /** A subscription whose batch was already attempted keeps it, so the record step can finish it. */
  stopSubscriptions: `UPDATE subscriptions SET status = 'stopped', due_at = NULL, updated_at = ?2,
      batch_id = CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.batch_id = subscriptions.batch_id
        AND d.subscription_id = subscriptions.id AND d.status = 'claimed') THEN batch_id END
    WHERE subscriber_id = ?1`,
  /** Runs before markSubscriber: one event per change of status, however often the link is pressed. */
  recordEvent: `INSERT INTO events (subscriber_id, type, data, created_at)
    SELECT ?1, 'unsubscribed', ?3, ?2 WHERE (SELECT status FROM subscribers WHERE id = ?1) != 'unsubscribed'`,
  markSubscriber: `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ?2, updated_at = ?2 WHERE id = ?1`,
} as const;

/** An unsubscribe within this long of a part's arrival is put down to that part in the stats. */
export const UNSUBSCRIBE_ATTRIBUTION_MS = 7 * 24 * 60 * 60 * 1000;

export type UnsubscribeResult = "unsubscribed" | "already_unsubscribed" | "not_found";
export type UnsubscribeSource = "link" | "one-click" | "admin" | "preferences";

/**
 * Stops all mail to the reader at once, in one transaction: every subscription stops, and their deliveries
 * that wait in a queued batch no consumer has attempted yet are taken out. A batch already handed to the
 * provider cannot be recalled, so it is left to finish (docs/delivery.md, "Exactly once").
 */
export async function unsubscribe(
  db: Database,
  d1: D1Database,
  subscriberId: number,
  source: UnsubscribeSource,
  now = Date.now(),
): Promise<UnsubscribeResult> {
  const reader = await db.query.subscribers.findFirst({ where: eq(subscribers.id, subscriberId) });
  if (!reader) return "not_found";
  // Written even when the read said "unsubscribed": a confirm may have re-activated the reader since that read,
  // and this later click must win (it also voids consents asked for before it: see confirm.ts).
  await d1.batch([
    d1.prepare(unsubscribeSql.cancelQueued).bind(subscriberId),
    d1.prepare(unsubscribeSql.countUnsubscribes).bind(subscriberId, now, now - UNSUBSCRIBE_ATTRIBUTION_MS),
    countUnsubscribes(d1, subscriberId, now),
    d1.prepare(unsubscribeSql.stopSubscriptions).bind(subscriberId, now),
    d1.prepare(unsubscribeSql.recordEvent).bind(subscriberId, now, JSON.stringify({ source })),
    d1.prepare(unsubscribeSql.markSubscriber).bind(subscriberId, now),
  ]);
  return reader.status === "unsubscribed" ? "already_unsubscribed" : "unsubscribed";
}

/**
 * One series only (the preference page): ?1 subscription id, ?2 now. The same steps as unsubscribeSql, for this
 * subscription alone: its delivery in a batch no consumer attempted yet is taken out, the rest of the reader's
 * subscriptions go on.
 */
export const unsubscribeFromSeriesSql = {
  cancelQueued: `DELETE FROM deliveries WHERE batch_id IN (
      SELECT s.batch_id FROM subscriptions s JOIN batches b ON b.id = s.batch_id WHERE s.id = ?1 AND b.status = 'claimed' AND b.attempts = 0)
    AND subscription_id = ?1 AND status = 'claimed'`,
  /** ?3 now minus 7 days. */
  countUnsubscribe: `INSERT INTO part_stats (series, part_id, unsubscribes)
    SELECT series, last_part_id, 1 FROM subscriptions
    WHERE id = ?1 AND status <> 'stopped' AND last_part_id IS NOT NULL AND last_sent_at >= ?3
    ON CONFLICT (series, part_id) DO UPDATE SET unsubscribes = unsubscribes + 1`,
  /** ?3 the event's data. Before stop: one event per subscription stopped. */
  recordEvent: `INSERT INTO events (subscriber_id, type, data, created_at)
    SELECT subscriber_id, 'unsubscribed', ?3, ?2 FROM subscriptions WHERE id = ?1 AND status <> 'stopped'`,
  stop: `UPDATE subscriptions SET status = 'stopped', due_at = NULL, paused_until = NULL, updated_at = ?2,
      batch_id = CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.batch_id = subscriptions.batch_id
        AND d.subscription_id = subscriptions.id AND d.status = 'claimed') THEN batch_id END
    WHERE id = ?1`,
} as const;

/**
 * Leaves one series. A reader left with no other series (reading, paused or waiting for a confirmation) is
 * unsubscribed altogether instead, exactly as by the one-click link.
 */
export async function unsubscribeFromSeries(
  db: Database,
  d1: D1Database,
  reader: { subscriberId: number; subscriptionId: number; series: string; others: number },
  now = Date.now(),
): Promise<UnsubscribeResult> {
  if (reader.others === 0) return unsubscribe(db, d1, reader.subscriberId, "preferences", now);
  const sql = unsubscribeFromSeriesSql;
  const [, , , recorded] = await d1.batch([
    d1.prepare(sql.cancelQueued).bind(reader.subscriptionId),
    d1.prepare(sql.countUnsubscribe).bind(reader.subscriptionId, now, now - UNSUBSCRIBE_ATTRIBUTION_MS),
    d1.prepare(growthSql.countSeriesUnsubscribe).bind(reader.subscriberId, now, reader.series),
    d1
      .prepare(sql.recordEvent)
      .bind(reader.subscriptionId, now, JSON.stringify({ source: "preferences", series: reader.series })),
    d1.prepare(sql.stop).bind(reader.subscriptionId, now),
  ]);
  return recorded!.meta.changes === 1 ? "unsubscribed" : "already_unsubscribed";
}

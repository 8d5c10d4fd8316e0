import { eq } from "drizzle-orm";
import { events, subscribers } from "../../db/schema";
import type { Database } from "../db";

export type UnsubscribeResult = "unsubscribed" | "already_unsubscribed" | "not_found";

/**
 * Stops all mail to the reader at once, in one transaction: every subscription stops, and their deliveries
 * that wait in a queued batch no consumer has attempted yet are taken out. A batch already handed to the
 * provider cannot be recalled, so it is left to finish (see README, "Exactly once").
 */
export async function unsubscribe(
  db: Database,
  d1: D1Database,
  subscriberId: number,
  source: "link" | "one-click" | "admin",
  now = Date.now(),
): Promise<UnsubscribeResult> {
  const reader = await db.query.subscribers.findFirst({ where: eq(subscribers.id, subscriberId) });
  if (!reader) return "not_found";
  if (reader.status === "unsubscribed") return "already_unsubscribed";
  await d1.batch([
    d1
      .prepare(
        `DELETE FROM deliveries WHERE subscriber_id = ?1 AND status = 'claimed'
           AND batch_id IN (SELECT id FROM batches WHERE status = 'claimed' AND attempts = 0)`,
      )
      .bind(subscriberId),
    d1
      .prepare(
        `UPDATE subscriptions SET status = 'stopped', due_at = NULL, updated_at = ?2,
           batch_id = CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.batch_id = subscriptions.batch_id
             AND d.subscription_id = subscriptions.id AND d.status = 'claimed') THEN batch_id END
         WHERE subscriber_id = ?1`,
      )
      .bind(subscriberId, now),
    d1
      .prepare(`UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ?2, updated_at = ?2 WHERE id = ?1`)
      .bind(subscriberId, now),
  ]);
  await db.insert(events).values({ subscriberId, type: "unsubscribed", data: { source }, createdAt: now });
  return "unsubscribed";
}

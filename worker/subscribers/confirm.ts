import { and, eq, isNull } from "drizzle-orm";
import { consents, events, subscribers, subscriptions } from "../../db/schema";
import type { CompiledSeries } from "../content/types";
import type { Database } from "../db";
import { dueAtForPart } from "../delivery/schedule";
import { countReferral } from "./referral";

export type ConfirmResult =
  | { kind: "confirmed" | "already_confirmed"; firstPartAt: number | null }
  | { kind: "not_found" }
  /** No signup is waiting for this click: an old link, clicked after the reader unsubscribed. */
  | { kind: "used" };

/**
 * Activates the reader and their subscription to the series; idempotent. The next part (part 1 for a new
 * reader, the next unread one for a returning reader) is scheduled from now after its delay.
 */
export async function confirmSubscription(
  db: Database,
  subscriberId: number,
  series: CompiledSeries,
  now = Date.now(),
): Promise<ConfirmResult> {
  const reader = await db.query.subscribers.findFirst({ where: eq(subscribers.id, subscriberId) });
  const subscription = await db.query.subscriptions.findFirst({
    where: and(eq(subscriptions.subscriberId, subscriberId), eq(subscriptions.series, series.slug)),
  });
  if (!reader || !subscription) return { kind: "not_found" };
  if (reader.status === "active" && subscription.status === "active") {
    return { kind: "already_confirmed", firstPartAt: subscription.dueAt };
  }
  // Only a signup that is still waiting may be confirmed, so an old confirmation email cannot undo an unsubscribe.
  const waiting = await db.query.consents.findFirst({
    where: and(eq(consents.subscriberId, subscriberId), eq(consents.series, series.slug), isNull(consents.confirmedAt)),
  });
  if (!waiting) return { kind: "used" };
  const dueAt = subscription.batchId ? subscription.dueAt : dueAtForPart(series, subscription.nextPart, now, reader.timezone);
  const referral = countReferral(db, reader, series.slug);
  await db.batch([
    db
      .update(subscribers)
      .set({ status: "active", confirmedAt: now, unsubscribedAt: null, updatedAt: now })
      .where(eq(subscribers.id, subscriberId)),
    db
      .update(subscriptions)
      .set({ status: "active", dueAt, updatedAt: now })
      .where(eq(subscriptions.id, subscription.id)),
    db
      .update(consents)
      .set({ confirmedAt: now })
      .where(and(eq(consents.subscriberId, subscriberId), eq(consents.series, series.slug), isNull(consents.confirmedAt))),
    db.insert(events).values({ subscriberId, type: "confirmed", data: { series: series.slug }, createdAt: now }),
    ...(referral ? [referral] : []),
  ]);
  return { kind: "confirmed", firstPartAt: dueAt };
}

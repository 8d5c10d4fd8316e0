import type { AppDeps } from "../app-deps";
import { countUnsubscribes, growthSql } from "../stats/growth-queries";
import { findSubscriber } from "./find-subscriber";
import { unsubscribeFromSeriesSql, unsubscribeSql } from "./subscriber-queries";

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
  deps: Pick<AppDeps, "db" | "clock">,
  { subscriberId, source }: { subscriberId: number; source: UnsubscribeSource },
): Promise<UnsubscribeResult> {
  const { db } = deps;
  const now = deps.clock();
  const reader = await findSubscriber(deps, subscriberId);
  if (!reader) return "not_found";
  // Written even when the read said "unsubscribed": a confirm may have re-activated the reader since that read,
  // and this later click must win (it also voids consents asked for before it: see confirm.ts).
  await db.batch([
    db.prepare(unsubscribeSql.cancelQueued).bind(subscriberId),
    db.prepare(unsubscribeSql.countUnsubscribes).bind(subscriberId, now, now - UNSUBSCRIBE_ATTRIBUTION_MS),
    countUnsubscribes(db, subscriberId, now),
    db.prepare(unsubscribeSql.stopSubscriptions).bind(subscriberId, now),
    db.prepare(unsubscribeSql.recordEvent).bind(subscriberId, now, JSON.stringify({ source })),
    db.prepare(unsubscribeSql.markSubscriber).bind(subscriberId, now),
  ]);
  return reader.status === "unsubscribed" ? "already_unsubscribed" : "unsubscribed";
}

/**
 * Leaves one series. A reader left with no other series (reading, paused or waiting for a confirmation) is
 * unsubscribed altogether instead, exactly as by the one-click link.
 */
export async function unsubscribeFromSeries(
  deps: Pick<AppDeps, "db" | "clock">,
  reader: { subscriberId: number; subscriptionId: number; series: string; others: number },
): Promise<UnsubscribeResult> {
  if (reader.others === 0) return unsubscribe(deps, { subscriberId: reader.subscriberId, source: "preferences" });
  const { db } = deps;
  const now = deps.clock();
  const sql = unsubscribeFromSeriesSql;
  const [, , , recorded] = await db.batch([
    db.prepare(sql.cancelQueued).bind(reader.subscriptionId),
    db.prepare(sql.countUnsubscribe).bind(reader.subscriptionId, now, now - UNSUBSCRIBE_ATTRIBUTION_MS),
    db.prepare(growthSql.countSeriesUnsubscribe).bind(reader.subscriberId, now, reader.series),
    db
      .prepare(sql.recordEvent)
      .bind(reader.subscriptionId, now, JSON.stringify({ source: "preferences", series: reader.series })),
    db.prepare(sql.stop).bind(reader.subscriptionId, now),
  ]);
  return recorded!.meta.changes === 1 ? "unsubscribed" : "already_unsubscribed";
}

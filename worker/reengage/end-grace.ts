import type { DeliveryContext } from "../delivery/context";
import { reengageSql } from "./reengage-queries";
import { ruleIndex } from "./rules";

/** Deadlines handled per tick, all in one transaction (more wait for the next tick). */
export const DEADLINES_PER_RUN = 100;

export interface GraceEnds {
  /** Unanswered: their subscription paused with the reason. */
  paused: number;
  /** A sign of reading came during the grace: they go on. */
  read: number;
  /** The subscription ended (unsubscribed, stopped) or was paused otherwise first. */
  closed: number;
}

/**
 * Checks whose grace has passed: one read of the open-checks index, then one transaction that counts, closes
 * and pauses (reengage/queries.ts). A reader whose part is in flight is decided on the next tick, so a pause
 * never lands under a batch that is recording their position.
 */
export async function endGraces(ctx: DeliveryContext): Promise<GraceEnds> {
  const { meter, now } = ctx;
  const ends: GraceEnds = { paused: 0, read: 0, closed: 0 };
  const due = await meter.all<{ id: number; subscriptionId: number; createdAt: number }>(
    meter.db.prepare(reengageSql.deadlinesPassed).bind(now, DEADLINES_PER_RUN),
  );
  if (due.length === 0) return ends;
  const ids = JSON.stringify(due.map((check) => check.id));
  const asked = JSON.stringify(Object.fromEntries(due.map((check) => [check.subscriptionId, check.createdAt])));
  const { reasonsJson } = ruleIndex(ctx.catalog);
  const [, closed] = await meter.batch<{ status: keyof GraceEnds }>([
    meter.db.prepare(reengageSql.countPaused).bind(ids, now, reasonsJson),
    meter.db.prepare(reengageSql.closeChecks).bind(ids, now, reasonsJson),
    meter.db.prepare(reengageSql.pauseReaders).bind(ids, now, reasonsJson, asked),
  ]);
  for (const { status } of closed!.results) ends[status] += 1;
  return ends;
}

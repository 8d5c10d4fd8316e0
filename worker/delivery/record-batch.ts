import { findSeries } from "../content/catalog";
import type { DeliveryContext } from "./context";
import { dueAtForPart } from "./schedule";
import { sql, type BatchMember } from "./queries";

/**
 * Records an accepted batch in one transaction: each delivery gets its provider id, each reader moves to the
 * next part, due after that part's delay (in their send window). Safe to run twice for the same batch.
 */
export async function recordSentBatch(ctx: DeliveryContext, batchId: string, members: BatchMember[], ids: (string | null)[]) {
  const { meter, now } = ctx;
  const sent = Object.fromEntries(members.map((member, i) => [member.id, ids[i]]));
  const next = Object.fromEntries(
    members.map((member) => {
      const series = findSeries(member.series);
      return [member.subscriptionId, series ? dueAtForPart(series, member.partNumber + 1, now, member.timezone) : null];
    }),
  );
  await meter.batch([
    meter.db.prepare(sql.markDeliveriesSent).bind(JSON.stringify(sent), now, batchId),
    meter.db.prepare(sql.advanceSubscriptions).bind(JSON.stringify(next), now, batchId),
    meter.db.prepare(sql.markBatchSent).bind(batchId, now),
  ]);
}

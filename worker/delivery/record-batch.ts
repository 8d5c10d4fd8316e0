import { findSeries } from "../content/catalog";
import { MAX_REFUSALS, REJECTED_RETRY_MS, type DeliveryContext } from "./context";
import { dueAtForPart } from "./schedule";
import { sql, type BatchMember } from "./queries";

/** A reader the provider refused inside an accepted (permissive) batch, with its reason. */
export interface RefusedMember {
  member: BatchMember;
  reason: string;
}

/**
 * Records an accepted batch in one transaction: each delivery gets its provider id, each reader moves to the
 * next part, due after that part's delay (in their send window), and each part's sent counter grows. Refused
 * readers leave the batch first: due again later, or set aside after repeated refusals. Safe to run twice for
 * the same batch. Returns how many refused readers were set aside.
 */
export async function recordSentBatch(
  ctx: DeliveryContext,
  batchId: string,
  members: BatchMember[],
  ids: (string | null)[],
  refused: RefusedMember[] = [],
): Promise<number> {
  const { meter, now } = ctx;
  const sent = Object.fromEntries(members.map((member, i) => [member.id, ids[i]]));
  const next = Object.fromEntries(
    members.map((member) => {
      const series = findSeries(member.series);
      return [member.subscriptionId, series ? dueAtForPart(series, member.partNumber + 1, now, member.timezone) : null];
    }),
  );
  const refusals: D1PreparedStatement[] = [];
  if (refused.length > 0) {
    const reasons = Object.fromEntries(refused.map(({ member, reason }) => [member.subscriptionId, `refused by the provider: ${reason}`]));
    refusals.push(
      meter.db.prepare(sql.refuseSubscriptions).bind(JSON.stringify(reasons), now, batchId, now + REJECTED_RETRY_MS, MAX_REFUSALS),
      meter.db.prepare(sql.deleteDeliveries).bind(JSON.stringify(refused.map(({ member }) => member.id))),
    );
  }
  const perPart = new Map<string, { series: string; partNumber: number; count: number }>();
  for (const member of members) {
    const key = `${member.series}\u0000${member.partNumber}`;
    const entry = perPart.get(key) ?? { series: member.series, partNumber: member.partNumber, count: 0 };
    entry.count += 1;
    perPart.set(key, entry);
  }
  const [refusedRows] = await meter.batch<{ setAside: number }>([
    ...refusals,
    // One upsert per part (a batch is usually one part): counting per email would cost a write each.
    ...[...perPart.values()].map((p) => meter.db.prepare(sql.countSent).bind(p.series, p.partNumber, p.count, batchId)),
    meter.db.prepare(sql.markDeliveriesSent).bind(JSON.stringify(sent), now, batchId),
    meter.db.prepare(sql.advanceSubscriptions).bind(JSON.stringify(next), now, batchId),
    meter.db.prepare(sql.markBatchSent).bind(batchId, now),
  ]);
  return refused.length === 0 ? 0 : refusedRows!.results.filter((row) => row.setAside).length;
}

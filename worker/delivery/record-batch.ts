import { askReadersStatement } from "../reengage/ask-readers";
import { MAX_REFUSALS, REJECTED_RETRY_MS, type DeliveryContext } from "./context";
import { dueAtForPart } from "./schedule";
import { sql, type BatchMember } from "./delivery-queries";

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
  input: { batchId: string; members: BatchMember[]; ids: (string | null)[]; refused?: RefusedMember[] },
): Promise<number> {
  const { meter, now } = ctx;
  const { batchId, members, ids, refused = [] } = input;
  const sent = Object.fromEntries(members.map((member, i) => [member.id, ids[i]]));
  // Due after the delay of the part that follows the sent one in the current order (null: it was the last).
  const next = Object.fromEntries(
    members.map((member) => {
      const series = ctx.catalog.findSeries(member.series);
      const index = series ? series.parts.findIndex((part) => part.id === member.partId) : -1;
      return [
        member.subscriptionId,
        series && index >= 0 ? dueAtForPart(series, index + 2, now, member.timezone, member.sendHour ?? null) : null,
      ];
    }),
  );
  const sentParts = Object.fromEntries(
    members.map((member) => {
      const parts = ctx.catalog.findSeries(member.series)?.parts ?? [];
      const index = parts.findIndex((part) => part.id === member.partId);
      return [
        member.subscriptionId,
        { part: member.partId, at: index + 1, next: index >= 0 ? (parts[index + 1]?.id ?? null) : null },
      ];
    }),
  );
  const refusals: D1PreparedStatement[] = [];
  if (refused.length > 0) {
    const reasons = Object.fromEntries(
      refused.map(({ member, reason }) => [member.subscriptionId, `refused by the provider: ${reason}`]),
    );
    refusals.push(
      meter.db
        .prepare(sql.refuseSubscriptions)
        .bind(JSON.stringify(reasons), now, batchId, now + REJECTED_RETRY_MS, MAX_REFUSALS),
      meter.db.prepare(sql.deleteDeliveries).bind(JSON.stringify(refused.map(({ member }) => member.id))),
    );
  }
  const perPart = new Map<string, { series: string; partId: string; count: number }>();
  for (const member of members) {
    // Counted under the series' current slug (a batch claimed before a rename carries the old one).
    const series = ctx.catalog.findSeries(member.series)?.slug ?? member.series;
    const key = `${series}\u0000${member.partId}`;
    const entry = perPart.get(key) ?? { series, partId: member.partId, count: 0 };
    entry.count += 1;
    perPart.set(key, entry);
  }
  const sentPartsJson = JSON.stringify(sentParts);
  const ask = askReadersStatement(ctx, { batchId, members, sentPartsJson });
  const [refusedRows] = await meter.batch<{ setAside: number }>([
    ...refusals,
    // One upsert per part (a batch is usually one part): counting per email would cost a write each.
    ...[...perPart.values()].map((p) => meter.db.prepare(sql.countSent).bind(p.series, p.partId, p.count, batchId)),
    meter.db.prepare(sql.markDeliveriesSent).bind(JSON.stringify(sent), now, batchId),
    // Before the readers advance (and their streaks grow): it finds them by the batch.
    ...(ask ? [ask] : []),
    meter.db
      .prepare(sql.advanceSubscriptions)
      .bind(JSON.stringify(next), now, batchId, ctx.catalog.orderJson, sentPartsJson),
    meter.db.prepare(sql.markBatchSent).bind(batchId, now),
  ]);
  return refused.length === 0 ? 0 : refusedRows!.results.filter((row) => row.setAside).length;
}

import type { ReaderDelivery } from "../actions/reader-delivery";
import type { AppDeps } from "../app-deps";
import { findSeries } from "../content/catalog";
import { subscriptionIdsOf } from "./delivery-archive";
import { findDeliverySql, subscriberOfSql } from "./delivery-list-queries";

/** The position of a part in its series today; null once removed. */
export function positionToday(series: string, partId: string): number | null {
  const index = findSeries(series)?.parts.findIndex((part) => part.id === partId) ?? -1;
  return index >= 0 ? index + 1 : null;
}

type Row = ReaderDelivery & { slimmed: number; firstId: number | null; subscriptionIds: ArrayBuffer | number[] | null };

/**
 * Who received delivery `id`, which part, and when it left; null for an id no delivery had (or whose reader was
 * erased). A slimmed delivery costs a second probe (its subscription's reader) and reports its part's position
 * today (it kept no number of its own; 0 once removed): every link ever mailed still finds its reader.
 */
export async function findDelivery(deps: Pick<AppDeps, "db">, id: number): Promise<ReaderDelivery | null> {
  const { db: d1 } = deps;
  const row = await d1.prepare(findDeliverySql).bind(id).first<Row>();
  if (!row) return null;
  const { slimmed, firstId, subscriptionIds, ...delivery } = row;
  if (!slimmed) return delivery;
  const subscriptionId = archivedSubscriptionOf(row, id);
  if (subscriptionId === undefined) return null;
  const reader = await d1.prepare(subscriberOfSql).bind(subscriptionId).first<{ subscriberId: number }>();
  if (!reader) return null;
  return {
    ...delivery,
    subscriptionId,
    subscriberId: reader.subscriberId,
    partNumber: positionToday(delivery.series, delivery.partId) ?? 0,
  };
}

/** The subscription a slimmed delivery's archive run holds at its offset; undefined past the run's end. */
const archivedSubscriptionOf = (row: Row, id: number): number | undefined =>
  subscriptionIdsOf(row.subscriptionIds!)[id - row.firstId!];

/**
 * The readers of deliveries `ids`, live or slimmed, as findDelivery finds each (same statements), in two round
 * trips whatever their number: late provider events name their delivery by a tag. An id no one had is absent.
 */
export async function findDeliveryReaders(deps: Pick<AppDeps, "db">, ids: number[]): Promise<Map<number, number>> {
  const { db } = deps;
  const readers = new Map<number, number>();
  if (ids.length === 0) return readers;
  const rows = await db.batch<Row>(ids.map((id) => db.prepare(findDeliverySql).bind(id)));
  const slimmed: { id: number; subscriptionId: number }[] = [];
  for (const [i, { results }] of rows.entries()) {
    const row = results[0];
    if (!row) continue;
    if (!row.slimmed) {
      readers.set(ids[i]!, row.subscriberId);
      continue;
    }
    const subscriptionId = archivedSubscriptionOf(row, ids[i]!);
    if (subscriptionId !== undefined) slimmed.push({ id: ids[i]!, subscriptionId });
  }
  if (slimmed.length === 0) return readers;
  const found = await db.batch<{ subscriberId: number }>(
    slimmed.map(({ subscriptionId }) => db.prepare(subscriberOfSql).bind(subscriptionId)),
  );
  for (const [i, { results }] of found.entries()) {
    // Gone once the reader was erased.
    if (results[0]) readers.set(slimmed[i]!.id, results[0].subscriberId);
  }
  return readers;
}

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
  const subscriptionId = subscriptionIdsOf(subscriptionIds!)[id - firstId!];
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

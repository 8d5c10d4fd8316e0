import type { ReaderDelivery } from "../actions/reader-delivery";
import { findSeries } from "../content/catalog";
import { subscriptionIdsOf } from "./delivery-archive";

/**
 * ?1 delivery id. A live delivery by primary key, else the archived run that would hold the id (the newest run
 * starting at or before it; runs never overlap): one statement, two primary-key probes.
 */
export const findDeliverySql = `SELECT 0 AS slimmed, id, subscription_id AS subscriptionId, subscriber_id AS subscriberId, series,
    part_id AS partId, part_number AS partNumber, sent_at AS sentAt, NULL AS firstId, NULL AS subscriptionIds FROM deliveries WHERE id = ?1
  UNION ALL
  SELECT 1, ?1, NULL, NULL, r.series, r.part_id, 0, a.sent_at, a.first_id, a.subscription_ids
  FROM delivery_archive a JOIN part_refs r ON r.id = a.part_ref
  WHERE a.first_id = (SELECT max(first_id) FROM delivery_archive WHERE first_id <= ?1)
  LIMIT 1`;

/** ?1 subscription id: its reader (gone once erased). */
export const subscriberOfSql = `SELECT subscriber_id AS subscriberId FROM subscriptions WHERE id = ?1`;

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
export async function findDelivery(d1: D1Database, id: number): Promise<ReaderDelivery | null> {
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

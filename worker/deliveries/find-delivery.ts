import type { ReaderDelivery } from "../actions/reader-delivery";
import { findSeries } from "../content/catalog";

/**
 * ?1 delivery id. A live delivery by primary key, else the archived run that holds the id (the newest run
 * starting at or before it; runs never overlap) and the subscription at its offset: every link ever mailed
 * finds its reader, series and part, however old. One statement, a few primary-key probes.
 */
export const findDeliverySql = `SELECT id, subscriber_id AS subscriberId, series, part_id AS partId, part_number AS partNumber,
    sent_at AS sentAt, 0 AS slimmed FROM deliveries WHERE id = ?1
  UNION ALL
  SELECT ?1, s.subscriber_id, r.series, r.part_id, 0, a.sent_at, 1
  FROM (SELECT first_id, part_ref, sent_at, subscription_ids FROM delivery_archive WHERE first_id <= ?1 ORDER BY first_id DESC LIMIT 1) a
  JOIN part_refs r ON r.id = a.part_ref
  JOIN subscriptions s ON s.id = json_extract(a.subscription_ids, '$[' || CAST(?1 - a.first_id AS INTEGER) || ']')
  LIMIT 1`;

/** The position of a part in its series today; null once removed. */
export function positionToday(series: string, partId: string): number | null {
  const index = findSeries(series)?.parts.findIndex((part) => part.id === partId) ?? -1;
  return index >= 0 ? index + 1 : null;
}

/**
 * Who received delivery `id`, which part, and when it left; null for an id no delivery had (or whose reader was
 * erased). A slimmed delivery reports its part's position today (it kept no number of its own; 0 once removed).
 */
export async function findDelivery(d1: D1Database, id: number): Promise<ReaderDelivery | null> {
  const row = await d1.prepare(findDeliverySql).bind(id).first<ReaderDelivery & { slimmed: number }>();
  if (!row) return null;
  const { slimmed, ...delivery } = row;
  return slimmed ? { ...delivery, partNumber: positionToday(delivery.series, delivery.partId) ?? 0 } : delivery;
}

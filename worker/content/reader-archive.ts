import { findSeries } from "./catalog";
import type { CompiledSeries } from "./types";
import type { Keyring } from "../lib/keyring";
import { verifyReaderToken } from "../tokens";

/** What a reader token opens in a series kept for its readers: the parts that reader received, and nothing else. */
export interface ReaderArchive {
  /** Part id → the delivery that carried it (its own token opens that part's response page). */
  received: Map<string, number>;
}

export const readerArchiveSql = {
  /**
   * ?1 the token's delivery id: every part its subscription received, by the primary key then the
   * (subscription_id, part_id) index. Received as the cycle counts it (delivery/queries.ts: a delivery row).
   */
  received: `SELECT t.series AS series, r.part_id AS partId, r.id AS deliveryId
    FROM deliveries t JOIN deliveries r ON r.subscription_id = t.subscription_id
    WHERE t.id = ?1`,
} as const;

/** The archive a reader token opens in `series`; null for a bad token or a token of another series. */
export async function readerArchive(
  d1: D1Database,
  keyring: Keyring,
  token: string,
  series: CompiledSeries,
): Promise<ReaderArchive | null> {
  const deliveryId = await verifyReaderToken(keyring, token);
  if (deliveryId === null) return null;
  const { results } = await d1
    .prepare(readerArchiveSql.received)
    .bind(deliveryId)
    .all<{ series: string; partId: string; deliveryId: number }>();
  // A delivery keeps the slug it was sent under: a renamed series' old token still opens it.
  if (results.length === 0 || findSeries(results[0]!.series)?.slug !== series.slug) return null;
  return { received: new Map(results.map((row) => [row.partId, row.deliveryId])) };
}

import type { AppDeps } from "../app-deps";
import { verifyReaderToken } from "../tokens";
import { findSeries } from "./catalog";
import { readerArchiveSql } from "./content-queries";
import type { CompiledSeries } from "./types";

/** What a reader token opens in a series kept for its readers: the parts that reader received, and nothing else. */
export interface ReaderArchive {
  /** Part id → the delivery that carried it (its own token opens that part's response page). */
  received: Map<string, number>;
}

/** The archive a reader token opens in `series`; null for a bad token or a token of another series. */
export async function readerArchive(
  deps: Pick<AppDeps, "db" | "config">,
  { token, series }: { token: string; series: CompiledSeries },
): Promise<ReaderArchive | null> {
  const deliveryId = await verifyReaderToken(deps.config.keyring, token);
  if (deliveryId === null) return null;
  const { results } = await deps.db
    .prepare(readerArchiveSql.received)
    .bind(deliveryId)
    .all<{ series: string; partId: string; deliveryId: number }>();
  // A delivery keeps the slug it was sent under: a renamed series' old token still opens it.
  if (results.length === 0 || findSeries(results[0]!.series)?.slug !== series.slug) return null;
  return { received: new Map(results.map((row) => [row.partId, row.deliveryId])) };
}

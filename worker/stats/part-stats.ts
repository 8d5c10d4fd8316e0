/** The funnel counters of a part (table part_stats): what the stats and the dashboard read. */
export const partStatColumns = [
  "sent",
  "delivered",
  "delayed",
  "opened",
  "human_clicks",
  "scanner_clicks",
  "responses",
  "unsubscribes",
  "bounces",
  "complaints",
  "failed",
  "referrals",
] as const;
export type PartStatColumn = (typeof partStatColumns)[number];

/**
 * A statement adding `by` to one counter of one part (the row is created on first use), only when `condition`
 * (SQL, parameters from ?4 on) holds. Returned unrun, for the same D1 batch as the change it counts.
 */
export function bumpPartStatWhere(
  d1: D1Database,
  series: string,
  partId: string,
  column: PartStatColumn,
  by: number,
  condition: string,
  ...params: unknown[]
): D1PreparedStatement {
  if (!partStatColumns.includes(column)) throw new Error(`unknown part stat ${column}`);
  // "WHERE" makes the SELECT unambiguous before ON CONFLICT (SQLite's upsert parsing rule).
  return d1
    .prepare(
      `INSERT INTO part_stats (series, part_id, ${column}) SELECT ?1, ?2, ?3 WHERE ${condition}
       ON CONFLICT (series, part_id) DO UPDATE SET ${column} = ${column} + excluded.${column}`,
    )
    .bind(series, partId, by, ...params);
}

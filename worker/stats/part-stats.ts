import type { partStats } from "../../db/schema";

/**
 * The funnel counters of a part: what the stats and the dashboard read. The one list: each is a camelCase key
 * of the stats' answer and, snake_cased, a column of table part_stats (db/schema.ts names them so).
 */
export const PART_COUNTERS = [
  "sent",
  "delivered",
  "delayed",
  "opened",
  "humanClicks",
  "scannerClicks",
  "responses",
  "unsubscribes",
  "bounces",
  "complaints",
  "failed",
  "referrals",
] as const;
export type PartCounter = (typeof PART_COUNTERS)[number];

type SnakeCase<S extends string> = S extends `${infer Head}${infer Tail}`
  ? `${Head extends Lowercase<Head> ? Head : `_${Lowercase<Head>}`}${SnakeCase<Tail>}`
  : S;
/** A counter's column in part_stats: `humanClicks` → `human_clicks`. */
export const partStatColumn = <K extends PartCounter>(counter: K) =>
  counter.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`) as SnakeCase<K>;
export type PartStatColumn = SnakeCase<PartCounter>;
const partStatColumns: readonly PartStatColumn[] = PART_COUNTERS.map(partStatColumn);

// The list is the table's (db/schema.ts): a counter added, dropped or named otherwise there fails the typecheck.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type TableCounter = Exclude<keyof (typeof partStats)["$inferSelect"], "series" | "partId">;
const countersAreTheTable: Same<TableCounter, PartCounter> &
  Same<{ [K in PartCounter]: (typeof partStats)[K]["_"]["name"] }, { [K in PartCounter]: SnakeCase<K> }> = true;
void countersAreTheTable;

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

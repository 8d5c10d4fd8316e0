/** One page of a keyset-paginated list, as the admin API answers it. */
export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

/** Cuts `limit + 1` rows fetched newest first into a page; the cursor names the last row kept. */
export function toPage<R, T>(rows: R[], limit: number, item: (row: R) => T, cursorOf: (row: R) => string): Page<T> {
  const kept = rows.slice(0, limit);
  const hasMore = rows.length > limit;
  return { data: kept.map(item), has_more: hasMore, next_cursor: hasMore ? cursorOf(kept[kept.length - 1]!) : null };
}

/** ISO 8601 for an epoch-ms column, null kept. */
export const isoOrNull = (ms: number | null | undefined) => (ms == null ? null : new Date(ms).toISOString());

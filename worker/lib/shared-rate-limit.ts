/**
 * A fixed-window counter in D1, shared by every isolate and location (the rate-limiting binding counts per
 * location): one upsert per use. True when this use is within `limit` for the current window.
 */
export async function takeSharedSlot(
  d1: D1Database,
  name: string,
  limit: number,
  windowMs: number,
  now = Date.now(),
): Promise<boolean> {
  const windowStart = now - (now % windowMs);
  const row = await d1.prepare(takeSharedSlotSql).bind(name, windowStart).first<{ count: number }>();
  return row!.count <= limit;
}

/** ?1 counter name, ?2 the current window's start: a primary-key upsert (exported for the cost test). */
export const takeSharedSlotSql = `INSERT INTO rate_counters (name, window_start, count) VALUES (?1, ?2, 1)
  ON CONFLICT (name) DO UPDATE SET
    count = CASE WHEN window_start = excluded.window_start THEN count + 1 ELSE 1 END,
    window_start = excluded.window_start
  RETURNING count`;

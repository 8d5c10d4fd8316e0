import type { AppDeps } from "../app-deps";
import { HOUR_MS } from "../lib/durations";

/** The longest window a caller uses (confirmation caps: an hour): retention keeps a counter a day past it. */
export const SHARED_SLOT_MAX_WINDOW_MS = HOUR_MS;

/**
 * A fixed-window counter in D1, shared by every isolate and location (the rate-limiting binding counts per
 * location): one upsert per use. True when this use is within `limit` for the current window.
 */
export async function takeSharedSlot(
  deps: Pick<AppDeps, "db" | "clock">,
  input: { name: string; limit: number; windowMs: number },
): Promise<boolean> {
  const { name, limit, windowMs } = input;
  const now = deps.clock();
  const windowStart = now - (now % windowMs);
  const row = await deps.db.prepare(takeSharedSlotSql).bind(name, windowStart).first<{ count: number }>();
  return row!.count <= limit;
}

/** ?1 counter name, ?2 the current window's start: a primary-key upsert (exported for the cost test). */
export const takeSharedSlotSql = `INSERT INTO rate_counters (name, window_start, count) VALUES (?1, ?2, 1)
  ON CONFLICT (name) DO UPDATE SET
    count = CASE WHEN window_start = excluded.window_start THEN count + 1 ELSE 1 END,
    window_start = excluded.window_start
  RETURNING count`;

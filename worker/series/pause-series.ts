/** ?1 series, ?2 now, ?3 reason. The row may not exist yet (a series the cycle has not seen): part_count 0 lets
 * the cycle record it as usual. An already paused series keeps its first reason. */
export const pauseSql = {
  pause: `INSERT INTO series_state (series, part_count, updated_at, paused_at, pause_reason) VALUES (?1, 0, ?2, ?2, ?3)
    ON CONFLICT (series) DO UPDATE SET paused_at = excluded.paused_at, pause_reason = excluded.pause_reason
    WHERE paused_at IS NULL`,
  /** ?1 series. */
  resume: `UPDATE series_state SET paused_at = NULL, pause_reason = NULL WHERE series = ?1 AND paused_at IS NOT NULL`,
  /** ?1 series. */
  state: `SELECT paused_at AS pausedAt, pause_reason AS pauseReason FROM series_state WHERE series = ?1`,
  /** ?1 series, ?2 event type, ?3 data, ?4 now. */
  recordEvent: `INSERT INTO events (subscriber_id, type, data, created_at) VALUES (NULL, ?2, json_object('series', ?1, 'reason', ?3), ?4)`,
} as const;

export interface SeriesPauseState {
  series: string;
  paused: boolean;
  pausedAt: number | null;
  reason: string | null;
  /** False when it already was in the state asked for. */
  changed: boolean;
}

/**
 * Stops all mail of a series at once: the claim skips paused series (see delivery/queries.ts). Readers keep
 * their place and their due time, so a resume sends what became due meanwhile on the next tick.
 */
export async function pauseSeries(
  d1: D1Database,
  series: string,
  reason: string,
  now = Date.now(),
): Promise<SeriesPauseState> {
  const [paused] = await d1.batch([
    d1.prepare(pauseSql.pause).bind(series, now, reason),
    d1.prepare(pauseSql.recordEvent).bind(series, "series_paused", reason, now),
  ]);
  return readState(d1, series, paused!.meta.changes > 0);
}

export async function resumeSeries(
  d1: D1Database,
  series: string,
  by: string,
  now = Date.now(),
): Promise<SeriesPauseState> {
  const [resumed] = await d1.batch([
    d1.prepare(pauseSql.resume).bind(series),
    d1.prepare(pauseSql.recordEvent).bind(series, "series_resumed", by, now),
  ]);
  return readState(d1, series, resumed!.meta.changes > 0);
}

async function readState(d1: D1Database, series: string, changed: boolean): Promise<SeriesPauseState> {
  const row = await d1
    .prepare(pauseSql.state)
    .bind(series)
    .first<{ pausedAt: number | null; pauseReason: string | null }>();
  return {
    series,
    paused: row?.pausedAt != null,
    pausedAt: row?.pausedAt ?? null,
    reason: row?.pauseReason ?? null,
    changed,
  };
}

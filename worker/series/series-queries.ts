/**
 * The statements of the series' own state (paused or not) and of their overview, in one place so
 * tests/delivery/query-plans.test.ts can prove none scans a table that grows with the list.
 */

/** ?1 none. One row per (series, status): a grouped pass over subscriptions, as the stats do. */
export const listSeriesSql = {
  counts: `SELECT series, status, count(*) AS n FROM subscriptions GROUP BY series, status`,
  states: `SELECT series, paused_at AS pausedAt, pause_reason AS pauseReason FROM series_state`,
} as const;

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

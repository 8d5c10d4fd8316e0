import type { AppDeps } from "../app-deps";
import { pauseSql } from "./series-queries";

export interface SeriesPauseState {
  series: string;
  paused: boolean;
  pausedAt: number | null;
  reason: string | null;
  /** False when it already was in the state asked for. */
  changed: boolean;
}

/**
 * Stops all mail of a series at once: the claim skips paused series (see delivery/delivery-queries.ts). Readers keep
 * their place and their due time, so a resume sends what became due meanwhile on the next tick.
 */
export async function pauseSeries(
  deps: Pick<AppDeps, "db" | "clock">,
  input: { series: string; reason: string },
): Promise<SeriesPauseState> {
  const { db: d1 } = deps;
  const { series, reason } = input;
  const now = deps.clock();
  const [paused] = await d1.batch([
    d1.prepare(pauseSql.pause).bind(series, now, reason),
    d1.prepare(pauseSql.recordEvent).bind(series, "series_paused", reason, now),
  ]);
  return readState(d1, series, paused!.meta.changes > 0);
}

/** Lets the series' mail go again; `by` says who (recorded in its event). */
export async function resumeSeries(
  deps: Pick<AppDeps, "db" | "clock">,
  input: { series: string; by: string },
): Promise<SeriesPauseState> {
  const { db: d1 } = deps;
  const { series, by } = input;
  const now = deps.clock();
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

import { findSeries, listSeries } from "../content/catalog";
import type { D1Meter } from "../delivery/d1-meter";
import { utcDay } from "./growth-queries";
import { DAY_MS } from "../lib/durations";
import type { AppDeps } from "../app-deps";
import { growthReadSql } from "./stats-queries";

export const GROWTH_WINDOWS = [30, 90] as const;
export type GrowthWindow = (typeof GROWTH_WINDOWS)[number];

export const GROWTH_COUNTERS = ["signups", "confirmations", "unsubscribes"] as const;
export type GrowthCounter = (typeof GROWTH_COUNTERS)[number];
export type GrowthCounts = Record<GrowthCounter, number>;

export type GrowthDay = GrowthCounts & {
  /** A UTC day, "2026-12-01". */
  day: string;
};

export interface SeriesGrowth {
  series: string;
  title: string | null;
  totals: GrowthCounts;
  /** Every day of the window, oldest first; a day without a row is zeros. */
  days: GrowthDay[];
}

export interface Growth {
  days: GrowthWindow;
  /** The first and last UTC day of the window (today is the last). */
  from: string;
  to: string;
  series: SeriesGrowth[];
}

const zeros = (): GrowthCounts => ({ signups: 0, confirmations: 0, unsubscribes: 0 });

/**
 * Signups, confirmations and unsubscribes per UTC day of the last `days` days (today by `deps.clock`): one
 * statement, ≤ `days` rows a series, counted by `deps.meter`. Every series of the catalog unless `series`.
 */
export async function readGrowth(
  deps: Pick<AppDeps, "clock"> & { meter: D1Meter },
  input: { days: GrowthWindow; series?: string },
): Promise<Growth> {
  const { meter } = deps;
  const { days, series } = input;
  const now = deps.clock();
  const slugs = series ? [series] : listSeries().map((s) => s.slug);
  const dayList = Array.from({ length: days }, (_, i) => utcDay(now - (days - 1 - i) * DAY_MS));
  const from = dayList[0]!;
  const to = dayList.at(-1)!;
  const rows = await meter.all<GrowthDay & { series: string }>(
    meter.db.prepare(growthReadSql).bind(JSON.stringify(slugs), from, to),
  );

  const found = new Map(rows.map((row) => [`${row.series} ${row.day}`, row]));
  return {
    days,
    from,
    to,
    series: slugs.map((slug) => {
      const totals = zeros();
      const perDay = dayList.map((day) => {
        const row = found.get(`${slug} ${day}`);
        const counts = zeros();
        for (const key of GROWTH_COUNTERS) {
          counts[key] = row?.[key] ?? 0;
          totals[key] += counts[key];
        }
        return { day, ...counts };
      });
      return { series: slug, title: findSeries(slug)?.title ?? null, totals, days: perDay };
    }),
  };
}

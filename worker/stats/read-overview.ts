import type { AppDeps } from "../app-deps";
import { D1Meter } from "../delivery/d1-meter";
import { readGrowth, type Growth, type GrowthWindow } from "./read-growth";
import { readSeriesStats, type SeriesStats } from "./series-stats";
import { readRecentActivity, type RecentActivity } from "./recent-activity";

export interface Overview {
  series: SeriesStats[];
  /** Every series' day counters over the window asked for. */
  growth: Growth;
  recent: RecentActivity;
}

/** Everything the overview page shows: the series' counters (as GET /stats and /growth) and the newest rows of each kind. */
export async function readOverview(
  deps: Pick<AppDeps, "db" | "clock">,
  input: { window: GrowthWindow },
): Promise<Overview> {
  const [stats, growth, recent] = await Promise.all([
    readSeriesStats({ meter: new D1Meter(deps.db) }),
    readGrowth({ meter: new D1Meter(deps.db), clock: deps.clock }, { days: input.window }),
    readRecentActivity(deps),
  ]);
  return { series: stats.series, growth, recent };
}

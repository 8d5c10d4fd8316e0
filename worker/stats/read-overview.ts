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
export async function readOverview(d1: D1Database, window: GrowthWindow): Promise<Overview> {
  const [stats, growth, recent] = await Promise.all([
    readSeriesStats(new D1Meter(d1)),
    readGrowth(new D1Meter(d1), window),
    readRecentActivity(d1),
  ]);
  return { series: stats.series, growth, recent };
}

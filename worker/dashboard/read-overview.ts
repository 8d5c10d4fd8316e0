import { D1Meter } from "../delivery/d1-meter";
import { readSeriesStats, type SeriesStats } from "../stats/series-stats";
import { readRecentActivity, type RecentActivity } from "./recent-activity";

export interface Overview {
  series: SeriesStats[];
  recent: RecentActivity;
}

/** Everything the overview page shows: the series' counters (as GET /stats) and the newest rows of each kind. */
export async function readOverview(d1: D1Database): Promise<Overview> {
  const [stats, recent] = await Promise.all([readSeriesStats(new D1Meter(d1)), readRecentActivity(d1)]);
  return { series: stats.series, recent };
}

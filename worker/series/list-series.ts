import type { AppDeps } from "../app-deps";
import { listSeries } from "../content/catalog";
import { listSeriesSql } from "./series-queries";

/** Every series of the catalog with its parts, whether it is paused, and its readers by subscription status. */
export async function listSeriesOverview(deps: Pick<AppDeps, "db">) {
  const { db: d1 } = deps;
  const [counts, states] = await d1.batch([d1.prepare(listSeriesSql.counts), d1.prepare(listSeriesSql.states)]);
  const countRows = counts!.results as { series: string; status: string; n: number }[];
  const stateRows = states!.results as { series: string; pausedAt: number | null; pauseReason: string | null }[];
  return listSeries().map((series) => {
    const state = stateRows.find((row) => row.series === series.slug);
    const readers: Record<string, number> = { active: 0, pending: 0, paused: 0, stopped: 0 };
    for (const row of countRows)
      if (row.series === series.slug) readers[row.status] = (readers[row.status] ?? 0) + row.n;
    return {
      slug: series.slug,
      title: series.title,
      paused: state?.pausedAt != null,
      pausedReason: state?.pauseReason ?? null,
      parts: series.parts.map((part) => ({
        number: part.number,
        id: part.id,
        title: part.title,
        publishAt: part.publishAt ?? null,
      })),
      counts: readers,
    };
  });
}

import { Hono } from "hono";
import { runCycle } from "../../delivery/run-cycle";
import { readBody } from "../../middleware/read-body";
import { CycleResultPage } from "../../pages/dashboard-pages/cycle-result-page";
import { pauseSeries, resumeSeries } from "../../series/pause-series";
import type { DashboardEnv } from "./dashboard-env";
import { pageProps } from "./page-props";
import { catalogSeries, formSeries, seriesChoices } from "./series-choice";

/** The dashboard's POSTs (session, origin and form token are checked before these run: see index.ts). */
export const dashboardActionRoutes = new Hono<DashboardEnv>();

for (const [path, dryRun] of [
  ["/send/dry-run", true],
  ["/send", false],
] as const) {
  dashboardActionRoutes.post(path, async (c) => {
    const body = (await readBody(c, ["form"])) as Record<string, string>;
    const series = formSeries(body.series);
    const summary = await runCycle(c.var.deps, { dryRun, filter: { series } });
    return c.html(
      <CycleResultPage {...pageProps(c, "overview")} summary={summary} choices={seriesChoices()} series={series} />,
    );
  });
}

dashboardActionRoutes.post("/series/:series/pause", async (c) => {
  const series = catalogSeries(c.req.param("series"));
  await pauseSeries(c.var.deps, { series, reason: "paused from the dashboard" });
  return c.redirect(`/admin#series-${series}`, 303);
});

dashboardActionRoutes.post("/series/:series/resume", async (c) => {
  const series = catalogSeries(c.req.param("series"));
  await resumeSeries(c.var.deps, { series, by: "resumed from the dashboard" });
  return c.redirect(`/admin#series-${series}`, 303);
});

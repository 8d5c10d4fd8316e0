import { Hono } from "hono";
import { readOverview } from "../../dashboard/read-overview";
import { OverviewPage } from "../../pages/dashboard/overview-page";
import type { DashboardEnv } from "./dashboard-env";
import { pageProps } from "./page-props";
import { seriesChoices } from "./series-choice";

export const overviewRoutes = new Hono<DashboardEnv>();

overviewRoutes.get("/", async (c) =>
  c.html(<OverviewPage {...pageProps(c, "overview")} overview={await readOverview(c.env.DB)} choices={seriesChoices()} now={Date.now()} />),
);

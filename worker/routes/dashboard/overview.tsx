import { zValidator } from "@hono/zod-validator";
import { Hono } from "hono";
import { z } from "zod";
import { readOverview } from "../../stats/read-overview";
import { AppError } from "../../errors";
import { OverviewPage } from "../../pages/dashboard-pages/overview-page";
import type { GrowthWindow } from "../../stats/read-growth";
import type { DashboardEnv } from "./dashboard-env";
import { pageProps } from "./page-props";
import { seriesChoices } from "./series-choice";

/** ?days= picks the growth chart's window (the links above each chart); nothing else is read from the query. */
const querySchema = z.object({ days: z.enum(["30", "90"]).default("30") });

export const overviewRoutes = new Hono<DashboardEnv>();

overviewRoutes.get(
  "/",
  zValidator("query", querySchema, (result) => {
    if (!result.success)
      throw new AppError("BAD_REQUEST", "The growth chart shows the last 30 or 90 days: ?days=30 or ?days=90.");
  }),
  async (c) => {
    const window = Number(c.req.valid("query").days) as GrowthWindow;
    return c.html(
      <OverviewPage
        {...pageProps(c, "overview")}
        overview={await readOverview(c.var.deps, { window })}
        choices={seriesChoices()}
        now={c.var.deps.clock()}
      />,
    );
  },
);

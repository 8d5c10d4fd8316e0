import { createRoute, z } from "@hono/zod-openapi";
import { D1Meter } from "../../delivery/d1-meter";
import { readGrowth, type Growth, type GrowthWindow } from "../../stats/read-growth";
import { growthDaysSchema, growthSchema } from "./growth-schema";
import { createAdminApi, errorResponses, json, notFoundResponse, requireSeries, seriesSlugSchema } from "./openapi-app";

const growthQuerySchema = z.object({
  series: seriesSlugSchema
    .optional()
    .openapi({ description: "Only this series (default: every series of the catalog)." }),
  days: growthDaysSchema
    .default("30")
    .openapi({ description: "The window: the last 30 or 90 UTC days, today included." }),
});

// The document must describe what the verb answers: a field added to Growth fails the typecheck here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const growthSchemaMatchesVerb: Same<Omit<z.infer<typeof growthSchema>, "d1">, Growth> = true;
void growthSchemaMatchesVerb;

export const growthApi = createAdminApi().openapi(
  createRoute({
    method: "get",
    path: "/growth",
    tags: ["Series"],
    summary: "Signups, confirmations and unsubscribes per UTC day, per series, over the last 30 or 90 days",
    request: { query: growthQuerySchema },
    responses: {
      200: { description: "Day counters by series.", content: json(growthSchema) },
      ...errorResponses,
      ...notFoundResponse,
    },
  }),
  async (c) => {
    const query = c.req.valid("query");
    // A former slug (alias) answers under the series' slug: the counters are kept under it.
    const series = query.series === undefined ? undefined : requireSeries(query.series).slug;
    const meter = new D1Meter(c.var.deps.db);
    const growth = await readGrowth(
      { meter, clock: c.var.deps.clock },
      { days: Number(query.days) as GrowthWindow, series },
    );
    return c.json({ ...growth, d1: meter.totals() }, 200);
  },
);

import { createRoute, z } from "@hono/zod-openapi";
import { D1Meter } from "../../delivery/d1-meter";
import { listSeriesOverview } from "../../series/list-series";
import { pauseSeries, resumeSeries } from "../../series/pause-series";
import { readSeriesStats, type SeriesStats } from "../../stats/series-stats";
import {
  createAdminApi,
  errorResponses,
  json,
  notFoundResponse,
  pageSchema,
  requireSeries,
  seriesSlugSchema,
} from "./openapi-app";
import { publishAtSchema, statsSchema } from "./stats-schema";

const seriesItemSchema = z
  .object({
    slug: z.string(),
    title: z.string(),
    paused: z.boolean(),
    pausedReason: z.string().nullable(),
    parts: z.array(
      z.object({ number: z.number().int(), id: z.string(), title: z.string(), publishAt: publishAtSchema }),
    ),
    counts: z.record(z.string(), z.number().int()).openapi({ description: "Subscriptions by status." }),
  })
  .openapi("Series");

const pauseStateSchema = z
  .object({
    series: z.string(),
    paused: z.boolean(),
    pausedAt: z.number().int().nullable().openapi({ description: "Epoch milliseconds." }),
    reason: z.string().nullable(),
    changed: z.boolean().openapi({ description: "False when it already was in the state asked for." }),
  })
  .openapi("SeriesPauseState");

// The document must describe what the verb answers: a field added to SeriesStats fails the typecheck here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const statsSchemaMatchesVerb: Same<z.infer<typeof statsSchema>["series"][number], SeriesStats> = true;
void statsSchemaMatchesVerb;

const seriesParam = z.object({ series: seriesSlugSchema.openapi({ param: { name: "series", in: "path" } }) });

const pauseRoute = (action: "pause" | "resume") =>
  createRoute({
    method: "post",
    path: `/series/{series}/${action}`,
    tags: ["Series"],
    summary: action === "pause" ? "Stop all mail of a series" : "Resume a paused series",
    request: { params: seriesParam },
    responses: {
      200: { description: "The series' state.", content: json(pauseStateSchema) },
      ...errorResponses,
      ...notFoundResponse,
    },
  });

export const seriesApi = createAdminApi()
  .openapi(
    createRoute({
      method: "get",
      path: "/series",
      tags: ["Series"],
      summary: "Every series with its parts, pause state and readers",
      responses: {
        200: { description: "All series (one page).", content: json(pageSchema(seriesItemSchema, "SeriesPage")) },
        ...errorResponses,
      },
    }),
    async (c) => c.json({ data: await listSeriesOverview(c.var.deps), has_more: false, next_cursor: null }, 200),
  )
  .openapi(pauseRoute("pause"), async (c) => {
    const { series } = c.req.valid("param");
    requireSeries(series);
    return c.json(await pauseSeries(c.var.deps, { series, reason: "paused by the admin" }), 200);
  })
  .openapi(pauseRoute("resume"), async (c) => {
    const { series } = c.req.valid("param");
    requireSeries(series);
    return c.json(await resumeSeries(c.var.deps, { series, by: "resumed by the admin" }), 200);
  })
  .openapi(
    createRoute({
      method: "get",
      path: "/stats",
      tags: ["Series"],
      summary: "Funnel of every part: sent, delivered, clicks, responses, unsubscribes…",
      request: { query: z.object({ series: seriesSlugSchema.optional() }) },
      responses: {
        200: { description: "Stats by series and part.", content: json(statsSchema) },
        ...errorResponses,
        ...notFoundResponse,
      },
    }),
    async (c) => {
      const { series } = c.req.valid("query");
      if (series !== undefined) requireSeries(series);
      const meter = new D1Meter(c.var.deps.db);
      const stats = await readSeriesStats({ meter }, { series });
      return c.json({ ...stats, d1: meter.totals() }, 200);
    },
  );

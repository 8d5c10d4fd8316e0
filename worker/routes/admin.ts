import { zValidator } from "@hono/zod-validator";
import { eq } from "drizzle-orm";
import { Hono, type Context } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { z } from "zod";
import { subscriberStatuses, subscribers } from "../../db/schema";
import type { AppEnv } from "../app-env";
import { findSeries } from "../content/catalog";
import { getDb } from "../db";
import { createDeliveryContext, cycleOptions } from "../delivery";
import { runDeliveryCycle } from "../delivery/cycle";
import { listSetAsideBatches, setAsideStatuses } from "../delivery/list-batches";
import { limitBody } from "../lib/read-body";
import { AppError, type ErrorCode } from "../errors";
import { emailAddressSchema, emailKey } from "../subscribers/email-address";
import { listSubscribers } from "../subscribers/list-subscribers";
import { listOutbox } from "../mail/list-outbox";
import { checkAdminToken } from "./admin-auth";
import { subscriberDataRoutes } from "./admin/subscriber-data";
import { D1Meter } from "../delivery/d1-meter";
import { listResponses } from "../responses/responses";
import { pauseSeries, resumeSeries } from "../series/pause-series";
import { readSeriesStats } from "../stats/series-stats";

/** Every validation failure answers 400 with the first problem, in our one error shape. */
const invalid = (result: { success: boolean; error?: { issues: { message: string; path: PropertyKey[] }[] } }) => {
  if (!result.success) {
    const issue = result.error!.issues[0]!;
    throw new AppError("BAD_REQUEST", `${issue.path.join(".") || "body"}: ${issue.message}`, result.error!.issues);
  }
};

const cursorSchema = z.string().regex(/^\d{1,15}$/, "must be a cursor from a previous page").transform(Number);
const limitSchema = z.coerce.number().int().min(1).max(200).default(50);

function authError(code: ErrorCode, message: string) {
  return (c: Context) => ({ error: { code, message, requestId: c.get("requestId") as string } });
}

export const adminRoutes = new Hono<AppEnv>();

adminRoutes.use(
  "/api/*",
  bearerAuth({
    verifyToken: (token, c) => checkAdminToken(c, token),
    // Hono answers these itself: give them our one error shape, request id included.
    noAuthenticationHeader: { message: authError("UNAUTHORIZED", "Send Authorization: Bearer <ADMIN_TOKEN>.") },
    invalidAuthenticationHeader: {
      message: authError("BAD_REQUEST", "Malformed Authorization header: send Authorization: Bearer <ADMIN_TOKEN>."),
    },
    invalidToken: { message: authError("UNAUTHORIZED", "Wrong admin token.") },
  }),
);

adminRoutes.route("/api", subscriberDataRoutes);

const outboxCursorSchema = z
  .string()
  .regex(/^\d{1,15}-\d{1,15}$/, "must be a cursor from a previous page")
  .transform((value) => value.split("-").map(Number) as [number, number]);

adminRoutes.get(
  "/api/outbox",
  zValidator("query", z.object({ limit: limitSchema, cursor: outboxCursorSchema.optional(), to: z.string().max(320).optional() }), invalid),
  async (c) => c.json(await listOutbox(getDb(c.env.DB), c.req.valid("query"))),
);

adminRoutes.get(
  "/api/subscribers",
  zValidator(
    "query",
    z.object({
      q: z.string().max(200).optional(),
      status: z.enum(subscriberStatuses).optional(),
      cursor: cursorSchema.optional(),
      limit: limitSchema,
    }),
    invalid,
  ),
  async (c) => c.json(await listSubscribers(getDb(c.env.DB), c.req.valid("query"))),
);

// Batches set aside by the delivery engine (refused after an unknown outcome, dead-lettered, failed).
adminRoutes.get(
  "/api/batches",
  zValidator("query", z.object({ status: z.enum(setAsideStatuses).default("dead"), limit: limitSchema }), invalid),
  async (c) => c.json(await listSetAsideBatches(c.env.DB, c.req.valid("query"))),
);

const sendSchema = z
  .object({
    dryRun: z.boolean().default(false),
    /** An email address or a subscriber id: only that reader. */
    subscriber: z.union([z.number().int().positive(), z.string().min(1).max(320)]).optional(),
    series: z.string().min(1).max(100).optional(),
  })
  .strict();

adminRoutes.post(
  "/api/send",
  limitBody(4 * 1024),
  async (c) => {
    const raw = (await c.req.text()).trim();
    let body: unknown = {};
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        throw new AppError("BAD_REQUEST", "The body must be JSON, e.g. {\"dryRun\": true}.");
      }
    }
    const parsed = sendSchema.safeParse(body);
    invalid(parsed);
    const input = parsed.data!;
    if (input.series !== undefined && !findSeries(input.series)) {
      throw new AppError("BAD_REQUEST", `series: no series "${input.series}" in the catalog.`);
    }
    let subscriberId: number | undefined;
    if (input.subscriber !== undefined) {
      subscriberId = await resolveSubscriber(c.env.DB, input.subscriber);
    }
    const ctx = createDeliveryContext(c.env);
    const summary = await runDeliveryCycle(
      ctx,
      cycleOptions(c.env, { dryRun: input.dryRun, filter: { series: input.series, subscriberId } }),
    );
    return c.json(summary);
  },
);

async function resolveSubscriber(d1: D1Database, subscriber: number | string): Promise<number> {
  const db = getDb(d1);
  if (typeof subscriber === "number" || /^\d+$/.test(subscriber)) {
    const row = await db.query.subscribers.findFirst({ where: eq(subscribers.id, Number(subscriber)) });
    if (!row) throw new AppError("NOT_FOUND", `subscriber: no subscriber with id ${subscriber}.`);
    return row.id;
  }
  const address = emailAddressSchema.safeParse(subscriber);
  if (!address.success) throw new AppError("BAD_REQUEST", "subscriber: must be an email address or a subscriber id.");
  const row = await db.query.subscribers.findFirst({ where: eq(subscribers.emailKey, emailKey(address.data)) });
  if (!row) throw new AppError("NOT_FOUND", "subscriber: no subscriber with that email address.");
  return row.id;
}

// --- Stats and series pause/resume (provider feedback, issue 6) ---------------------------------------------

/** A series slug as the catalog writes them; the catalog decides whether it exists. */
const seriesSlugSchema = z.string().min(1).max(100).regex(/^[a-z0-9][a-z0-9-]*$/, "must be a series slug");

function knownSeries(slug: string): string {
  if (!findSeries(slug)) throw new AppError("NOT_FOUND", `series: no series "${slug}" in the catalog.`);
  return slug;
}

adminRoutes.get(
  "/api/stats",
  zValidator("query", z.object({ series: seriesSlugSchema.optional() }), invalid),
  async (c) => {
    const { series } = c.req.valid("query");
    const meter = new D1Meter(c.env.DB);
    const stats = await readSeriesStats(meter, series === undefined ? undefined : knownSeries(series));
    return c.json({ ...stats, d1: meter.totals() });
  },
);

adminRoutes.post(
  "/api/series/:series/pause",
  zValidator("param", z.object({ series: seriesSlugSchema }), invalid),
  async (c) => {
    const series = knownSeries(c.req.valid("param").series);
    return c.json(await pauseSeries(c.env.DB, series, "paused by the admin"));
  },
);

adminRoutes.post(
  "/api/series/:series/resume",
  zValidator("param", z.object({ series: seriesSlugSchema }), invalid),
  async (c) => {
    const series = knownSeries(c.req.valid("param").series);
    return c.json(await resumeSeries(c.env.DB, series, "resumed by the admin"));
  },
);

// ---- responses (issue 6): what readers wrote back to the parts' calls to action ----------------

const responsesCursorSchema = z
  .string()
  .regex(/^\d{1,15}-\d{1,15}$/, "must be a cursor from a previous page")
  .transform((value) => value.split("-").map(Number) as [number, number]);

adminRoutes.get(
  "/api/responses",
  zValidator(
    "query",
    z.object({
      series: seriesSlugSchema.optional(),
      part: z.coerce.number().int().min(1).max(9999).optional(),
      cursor: responsesCursorSchema.optional(),
      limit: limitSchema,
    }),
    invalid,
  ),
  async (c) => c.json(await listResponses(c.env.DB, c.req.valid("query"))),
);

import { createRoute, z } from "@hono/zod-openapi";
import { subscriberStatuses } from "../../../db/enums";
import { AppError } from "../../errors";
import { limitBody } from "../../middleware/read-body";
import { isValidTimezone } from "../../lib/timezone";
import { eraseSubscriber } from "../../subscribers/erase-subscriber";
import { listSubscribers } from "../../subscribers/list-subscribers";
import { readSubscriberData, readSubscriberExport } from "../../subscribers/subscriber-data";
import { updateSubscriber } from "../../subscribers/update-subscriber";
import {
  bodyErrorResponses,
  createAdminApi,
  errorBodySchema,
  errorResponses,
  idCursorSchema,
  idParamSchema,
  json,
  limitQuerySchema,
  notFoundResponse,
  requireSeries,
  seriesSlugSchema,
} from "./openapi-app";
import { detailSchema, erasedSchema, exportSchema, subscriberPageSchema } from "./subscribers-schema";

const patchSchema = z
  .object({
    status: z
      .enum(["paused", "active"])
      .optional()
      .openapi({ description: "Pause or resume delivery (all series, or `series` only)." }),
    series: seriesSlugSchema
      .optional()
      .openapi({ description: "Limits `status` to this series; required with `part`." }),
    part: z
      .number()
      .int()
      .min(1)
      .max(9999)
      .optional()
      .openapi({ description: "Move `series`'s subscription to this part (today's numbering), due now." }),
    name: z.string().max(100).nullable().optional(),
    timezone: z
      .string()
      .max(64)
      .nullable()
      .optional()
      .openapi({ description: "IANA zone, e.g. Europe/Paris; null = the series' zone." }),
  })
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, "send at least one field")
  .refine((patch) => patch.part === undefined || patch.series !== undefined, {
    message: "needs series",
    path: ["part"],
  })
  .refine((patch) => patch.timezone == null || isValidTimezone(patch.timezone), {
    message: "must be an IANA time zone",
    path: ["timezone"],
  })
  .openapi("SubscriberPatch");

export const subscribersApi = createAdminApi()
  .openapi(
    createRoute({
      method: "get",
      path: "/subscribers",
      tags: ["Subscribers"],
      summary: "List readers, newest first",
      request: {
        query: z.object({
          q: z.string().max(200).optional().openapi({ description: "Part of the address or name (case-insensitive)." }),
          status: z.enum(subscriberStatuses).optional(),
          series: seriesSlugSchema.optional().openapi({ description: "Only readers subscribed to this series." }),
          cursor: idCursorSchema.optional(),
          limit: limitQuerySchema,
        }),
      },
      responses: {
        200: { description: "A page of readers.", content: json(subscriberPageSchema) },
        ...errorResponses,
        ...notFoundResponse,
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      if (query.series !== undefined) requireSeries(query.series);
      return c.json(await listSubscribers(c.var.deps, query), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/subscribers/{id}",
      tags: ["Subscribers"],
      summary: "One reader: subscriptions, deliveries, clicks, responses, consents",
      request: { params: idParamSchema },
      responses: {
        200: { description: "The reader.", content: json(detailSchema) },
        ...errorResponses,
        ...notFoundResponse,
      },
    }),
    async (c) => {
      const data = await readSubscriberData(c.var.deps, c.req.valid("param").id);
      if (!data) throw new AppError("NOT_FOUND", "No subscriber with that id.");
      const { events: _events, ...detail } = data;
      return c.json(detail as z.infer<typeof detailSchema>, 200);
    },
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/subscribers/{id}",
      tags: ["Subscribers"],
      summary: "Pause or resume, move to a part, rename, set the time zone",
      middleware: [limitBody(4 * 1024)] as const,
      request: { params: idParamSchema, body: { required: true, content: json(patchSchema) } },
      responses: {
        200: { description: "The reader after the change.", content: json(detailSchema) },
        ...errorResponses,
        ...notFoundResponse,
        ...bodyErrorResponses,
        409: {
          description: "The change conflicts with the reader's state (a part in flight, already received…).",
          content: json(errorBodySchema),
        },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const patch = c.req.valid("json");
      const series = patch.series === undefined ? undefined : requireSeries(patch.series);
      if (series && patch.part !== undefined && patch.part > series.parts.length) {
        throw new AppError("BAD_REQUEST", `part: series "${patch.series}" has ${series.parts.length} part(s).`);
      }
      const result = await updateSubscriber(c.var.deps, { id, patch });
      if (result.kind === "not_found") throw new AppError("NOT_FOUND", "No subscriber with that id.");
      if (result.kind === "no_subscription")
        throw new AppError("NOT_FOUND", `series: this reader has no subscription to "${result.series}".`);
      if (result.kind === "conflict") throw new AppError("CONFLICT", result.message);
      const { events: _events, ...detail } = (await readSubscriberData(c.var.deps, id))!;
      return c.json(detail as z.infer<typeof detailSchema>, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/subscribers/{id}",
      tags: ["Subscribers"],
      summary: "Erase a reader (GDPR): every row goes, a keyed hash of the address stays in suppressions",
      request: { params: idParamSchema },
      responses: {
        200: { description: "Rows deleted, by table.", content: json(erasedSchema) },
        ...errorResponses,
        ...notFoundResponse,
        409: { description: "A part is being sent to this reader; retry in a minute.", content: json(errorBodySchema) },
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const result = await eraseSubscriber(c.var.deps, id);
      if (result.kind === "not_found") throw new AppError("NOT_FOUND", "No subscriber with that id.");
      if (result.kind === "in_flight")
        throw new AppError("CONFLICT", "A part is being sent to this reader; try again in a minute.");
      return c.json({ erased: true as const, id, deleted: result.counts, suppressed: true as const }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/subscribers/{id}/export",
      tags: ["Subscribers"],
      summary: "Everything held about a reader, as a JSON download",
      request: { params: idParamSchema },
      responses: {
        200: { description: "The reader's data (attachment).", content: json(exportSchema) },
        ...errorResponses,
        ...notFoundResponse,
      },
    }),
    async (c) => {
      const { id } = c.req.valid("param");
      const data = await readSubscriberExport(c.var.deps, id);
      if (!data) throw new AppError("NOT_FOUND", "No subscriber with that id.");
      c.header("content-disposition", `attachment; filename="subscriber-${id}.json"`);
      c.header("cache-control", "private, no-store");
      return c.json({ ...data, exportedAt: new Date().toISOString() } as z.infer<typeof exportSchema>, 200);
    },
  );

import type { CycleSummary } from "../../delivery/run-cycle";
import { createRoute, z } from "@hono/zod-openapi";
import { batchStatuses, deliveryStatuses } from "../../../db/enums";
import { runCycle } from "../../delivery/run-cycle";
import { listSetAsideBatchesPage, setAsideStatuses } from "../../delivery/list-set-aside-batches";
import { listDeliveries } from "../../delivery/list-deliveries";
import { AppError } from "../../errors";
import { limitBody } from "../../middleware/read-body";
import { listOutbox } from "../../mail/list-outbox";
import { normalizeEmailAddress } from "../../subscribers/email-address";
import { findSubscriberId } from "../../subscribers/find-subscriber";
import { idempotency, idempotencyHeaderSchema } from "../../middleware/idempotency";
import {
  bodyErrorResponses,
  createAdminApi,
  errorBodySchema,
  errorResponses,
  idCursorSchema,
  json,
  limitQuerySchema,
  notFoundResponse,
  pageSchema,
  pairCursorSchema,
  requireSeries,
  seriesSlugSchema,
} from "./openapi-app";
import { cycleSummarySchema } from "./send-schema";

const iso = z.string().openapi({ format: "date-time" });

const sendBodySchema = z
  .object({
    dryRun: z.boolean().default(false).openapi({ description: "Report who is due; send nothing." }),
    subscriber: z
      .union([z.number().int().positive(), z.string().min(1).max(320)])
      .transform(subscriberRef)
      .optional()
      .openapi({ description: "Only this reader: an email address or a subscriber id." }),
    series: z.string().min(1).max(100).optional().openapi({ description: "Only this series." }),
  })
  .strict()
  .openapi("SendRequest");

// The document must describe what the cycle answers: a field added to CycleSummary fails the typecheck here.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const summarySchemaMatchesCycle: Same<z.infer<typeof cycleSummarySchema>, CycleSummary> = true;
void summarySchemaMatchesCycle;

const deliverySchema = z
  .object({
    id: z.number().int(),
    subscriberId: z.number().int(),
    series: z.string(),
    partId: z.string(),
    partNumber: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Its position when sent; a slimmed one: today's, null once removed." }),
    status: z.enum(deliveryStatuses),
    toEmail: z.string().nullable(),
    batchId: z.string().nullable(),
    providerMessageId: z.string().nullable(),
    createdAt: iso,
    sentAt: iso.nullable(),
    deliveredAt: iso.nullable(),
    openedAt: iso.nullable(),
    bouncedAt: iso.nullable(),
    complainedAt: iso.nullable(),
    slimmed: z.boolean().openapi({
      description:
        "Older than RETAIN_DELIVERIES_DAYS: only its reader, part and send time are kept (docs/retention.md).",
    }),
  })
  .openapi("Delivery");

const batchSchema = z
  .object({
    id: z.string(),
    status: z.enum(batchStatuses),
    attempts: z.number().int(),
    lastError: z.string().nullable(),
    createdAt: iso,
    setAsideAt: iso,
    readers: z.number().int(),
  })
  .openapi("Batch");

const outboxMessageSchema = z
  .object({
    id: z.string(),
    idempotencyKey: z.string().nullable(),
    from: z.string(),
    to: z.string(),
    subject: z.string(),
    html: z.string(),
    text: z.string(),
    headers: z.record(z.string(), z.string()),
    createdAt: iso,
  })
  .openapi("OutboxMessage");

const idempotencyResponses = {
  409: { description: "A request with this Idempotency-Key is still running.", content: json(errorBodySchema) },
  422: {
    description: "This Idempotency-Key was used with another request (IDEMPOTENCY_KEY_REUSED).",
    content: json(errorBodySchema),
  },
} as const;

/** A reader's id in a body, as a number or digits, or their address (normalized for the lookup). */
function subscriberRef(value: number | string, ctx: z.RefinementCtx): { id: number } | { email: string } {
  if (typeof value === "number" || /^\d+$/.test(value)) return { id: Number(value) };
  const email = normalizeEmailAddress(value);
  if (email) return { email };
  ctx.addIssue({ code: "custom", message: "must be an email address or a subscriber id." });
  return z.NEVER;
}

export const sendsApi = createAdminApi()
  .openapi(
    createRoute({
      method: "post",
      path: "/send",
      tags: ["Sending"],
      summary: "Run a delivery cycle now (or a dry run), optionally for one series or reader",
      middleware: [limitBody(4 * 1024), idempotency()] as const,
      request: { headers: idempotencyHeaderSchema, body: { content: json(sendBodySchema) } },
      responses: {
        200: { description: "The cycle's summary.", content: json(cycleSummarySchema) },
        ...errorResponses,
        ...notFoundResponse,
        ...bodyErrorResponses,
        ...idempotencyResponses,
      },
    }),
    async (c) => {
      const input = c.req.valid("json");
      // Without a JSON content type the body is not read at all (it is {}): the default is applied here.
      const dryRun = input.dryRun ?? false;
      // A body field naming nothing is a bad request (400); a path naming nothing is a 404.
      if (input.series !== undefined) requireSeries(input.series);
      let subscriberId: number | undefined;
      if (input.subscriber) {
        const ref = input.subscriber;
        const found = await findSubscriberId(c.var.deps, ref);
        if (found === null) {
          throw new AppError(
            "NOT_FOUND",
            "id" in ref
              ? `subscriber: no subscriber with id ${ref.id}.`
              : "subscriber: no subscriber with that email address.",
          );
        }
        subscriberId = found;
      }
      const summary = await runCycle(c.var.deps, { dryRun, filter: { series: input.series, subscriberId } });
      return c.json(summary, 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/deliveries",
      tags: ["Sending"],
      summary: "Deliveries, newest first",
      request: {
        query: z
          .object({
            series: seriesSlugSchema.optional(),
            part: z.coerce
              .number()
              .int()
              .min(1)
              .max(9999)
              .optional()
              .openapi({ description: "The part at this position today (needs series)." }),
            status: z.enum(deliveryStatuses).optional(),
            cursor: idCursorSchema.optional(),
            limit: limitQuerySchema,
          })
          .refine((query) => query.part === undefined || query.series !== undefined, {
            message: "needs series",
            path: ["part"],
          }),
      },
      responses: {
        200: { description: "A page of deliveries.", content: json(pageSchema(deliverySchema, "DeliveryPage")) },
        ...errorResponses,
        ...notFoundResponse,
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      if (query.series !== undefined) requireSeries(query.series);
      return c.json(await listDeliveries(c.var.deps, query), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/batches",
      tags: ["Sending"],
      summary: "Batches the engine set aside (failed, refused after an unknown outcome, dead-lettered)",
      request: {
        query: z.object({
          status: z.enum(setAsideStatuses).default("dead"),
          cursor: pairCursorSchema.optional(),
          limit: limitQuerySchema,
        }),
      },
      responses: {
        200: { description: "A page of batches.", content: json(pageSchema(batchSchema, "BatchPage")) },
        ...errorResponses,
      },
    }),
    async (c) => c.json(await listSetAsideBatchesPage(c.var.deps, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/outbox",
      tags: ["Sending"],
      summary: "Mail stored by the local outbox mailer (npm start, tests), newest first",
      request: {
        query: z.object({
          to: z.string().max(320).optional().openapi({ description: "Only mail to this address (case-insensitive)." }),
          cursor: pairCursorSchema.optional(),
          limit: limitQuerySchema,
        }),
      },
      responses: {
        200: { description: "A page of messages.", content: json(pageSchema(outboxMessageSchema, "OutboxPage")) },
        ...errorResponses,
      },
    }),
    async (c) => c.json(await listOutbox(c.var.deps, c.req.valid("query")), 200),
  );

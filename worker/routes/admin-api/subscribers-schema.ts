import { z } from "@hono/zod-openapi";
import { subscriberStatuses } from "../../../db/enums";
import { pageSchema } from "./common-schema";

/**
 * The answers of /subscribers and /subscribers/{id}, declared for the document. Their own module that imports
 * only zod and the statuses (not the catalog), so the admin CLI parses answers with these very schemas.
 */

const iso = z.string().openapi({ format: "date-time" });
const row = z.record(z.string(), z.unknown());

export const subscriberItemSchema = z
  .object({
    id: z.number().int(),
    email: z.string(),
    name: z.string().nullable(),
    status: z.enum(subscriberStatuses),
    timezone: z.string().nullable(),
    createdAt: iso,
    confirmedAt: iso.nullable(),
    series: z.array(
      z.object({ series: z.string(), status: z.string(), nextPart: z.number().int(), dueAt: iso.nullable() }),
    ),
  })
  .openapi("SubscriberItem");
/** One reader as GET /subscribers lists them. */
export type SubscriberItem = z.infer<typeof subscriberItemSchema>;
export const subscriberPageSchema = pageSchema(subscriberItemSchema, "SubscriberPage");

export const detailSchema = z
  .object({
    subscriber: z
      .object({
        id: z.number().int(),
        email: z.string(),
        name: z.string().nullable(),
        status: z.enum(subscriberStatuses),
        timezone: z.string().nullable(),
      })
      .loose(),
    subscriptions: z.array(
      z
        .object({
          id: z.number().int(),
          series: z.string(),
          status: z.string(),
          nextPart: z.number().int(),
          dueAt: iso.nullable(),
        })
        .loose(),
    ),
    deliveries: z.array(row),
    clicks: z.array(row),
    responses: z.array(row),
    consents: z.array(row),
  })
  .openapi("SubscriberDetail");

export const exportSchema = detailSchema
  .extend({
    events: z.array(row),
    webhookEvents: z.array(row),
    outbox: z.array(row),
    importRows: z.array(row),
    exportedAt: iso,
  })
  .openapi("SubscriberExport");

export const erasedSchema = z
  .object({
    erased: z.literal(true),
    id: z.number().int(),
    deleted: z.record(z.string(), z.number().int()),
    suppressed: z.literal(true),
  })
  .openapi("Erasure");

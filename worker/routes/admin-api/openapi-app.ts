import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { findSeries } from "../../content/catalog";
import type { CompiledSeries } from "../../content/types";
import { AppError } from "../../errors";
import { rejectInvalid } from "../../middleware/validate";
import { errorBodySchema } from "./common-schema";

// Declared in common-schema.ts (the CLI imports them from there); every route file takes them from here.
export { errorBodySchema, pageSchema } from "./common-schema";

/**
 * Every admin API sub-app is made here, so that all of them validate the same way: the first problem of a
 * request answers 400 in our one error shape, and the OpenAPI document is generated from the same schemas.
 */
export function createAdminApi() {
  return new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalid });
}

/** The responses every admin operation may give besides its own: declared once, spread into each route. */
export const errorResponses = {
  400: {
    description: "The request is malformed; the message says what to fix.",
    content: { "application/json": { schema: errorBodySchema } },
  },
  401: { description: "No admin token, or a wrong one.", content: { "application/json": { schema: errorBodySchema } } },
  429: {
    description: "Too many wrong tokens from this network.",
    content: { "application/json": { schema: errorBodySchema } },
  },
} as const;

export const limitQuerySchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(200)
  .default(50)
  .openapi({ description: "Items per page (1–200)." });

/** `application/json` content of a schema, as createRoute's requests and responses write it. */
export const json = <T extends z.ZodTypeAny>(schema: T) => ({ "application/json": { schema } }) as const;

/** What an operation with a request body may answer besides: too large, or not JSON. */
export const bodyErrorResponses = {
  413: { description: "The body is too large.", content: { "application/json": { schema: errorBodySchema } } },
  415: {
    description: "The body is not sent as application/json.",
    content: { "application/json": { schema: errorBodySchema } },
  },
} as const;

export const notFoundResponse = {
  404: { description: "No such resource.", content: { "application/json": { schema: errorBodySchema } } },
} as const;

/** A series slug as the catalog writes them; the catalog decides whether it exists. */
export const seriesSlugSchema = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-z0-9][a-z0-9-]*$/, "must be a series slug")
  .openapi({ example: "origins-of-lead-change" });

/** An id cursor from a previous page. */
export const idCursorSchema = z
  .string()
  .regex(/^\d{1,15}$/, "must be a cursor from a previous page")
  .transform(Number)
  .openapi({ type: "string", description: "`next_cursor` of the previous page." });

/** A `<time>-<id>` cursor from a previous page. */
export const pairCursorSchema = z
  .string()
  .regex(/^\d{1,15}-\d{1,15}$/, "must be a cursor from a previous page")
  .transform((value) => value.split("-").map(Number) as [number, number])
  .openapi({ type: "string", description: "`next_cursor` of the previous page." });

export const idParamSchema = z.object({
  id: z
    .string()
    .regex(/^[1-9]\d{0,14}$/, "must be a subscriber id")
    .transform(Number)
    .openapi({ type: "string", param: { name: "id", in: "path" }, example: "42" }),
});

/** The catalog's series for a slug, or a 404 naming it. */
export function requireSeries(slug: string): CompiledSeries {
  const series = findSeries(slug);
  if (!series) throw new AppError("NOT_FOUND", `series: no series "${slug}" in the catalog.`);
  return series;
}

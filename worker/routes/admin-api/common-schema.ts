import { z } from "@hono/zod-openapi";

/**
 * The shapes every admin answer shares. Like growth-schema.ts, this module imports only zod, so the admin CLI
 * parses answers with these very schemas without loading the Worker (catalog, D1).
 */

/** `{ error: { code, message, requestId } }`: the one error shape, as the document declares it. */
export const errorBodySchema = z
  .object({
    error: z.object({
      code: z.string().openapi({ example: "BAD_REQUEST" }),
      message: z.string(),
      requestId: z.string(),
    }),
  })
  .openapi("Error");

/** One page of a list, newest first: pass `next_cursor` back as `cursor` while `has_more` is true. */
export function pageSchema<T extends z.ZodTypeAny>(item: T, name: string) {
  return z.object({ data: z.array(item), has_more: z.boolean(), next_cursor: z.string().nullable() }).openapi(name);
}

import { OpenAPIHono, z } from "@hono/zod-openapi";
import type { Hook } from "@hono/zod-openapi";
import type { AppEnv } from "../../app-env";
import { AppError } from "../../errors";

/**
 * Every admin API sub-app is made here, so that all of them validate the same way: the first problem of a
 * request answers 400 in our one error shape, and the OpenAPI document is generated from the same schemas.
 */
export function createAdminApi() {
  return new OpenAPIHono<AppEnv>({ defaultHook: rejectInvalid });
}

const rejectInvalid: Hook<unknown, AppEnv, string, unknown> = (result) => {
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new AppError("BAD_REQUEST", `${issue.path.join(".") || "body"}: ${issue.message}`, result.error.issues);
  }
};

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

/** The responses every admin operation may give besides its own: declared once, spread into each route. */
export const errorResponses = {
  400: { description: "The request is malformed; the message says what to fix.", content: { "application/json": { schema: errorBodySchema } } },
  401: { description: "No admin token, or a wrong one.", content: { "application/json": { schema: errorBodySchema } } },
  429: { description: "Too many wrong tokens from this network.", content: { "application/json": { schema: errorBodySchema } } },
} as const;

/** One page of a list, newest first: pass `next_cursor` back as `cursor` while `has_more` is true. */
export function pageSchema<T extends z.ZodTypeAny>(item: T, name: string) {
  return z
    .object({ data: z.array(item), has_more: z.boolean(), next_cursor: z.string().nullable() })
    .openapi(name);
}

export const limitQuerySchema = z.coerce
  .number()
  .int()
  .min(1)
  .max(200)
  .default(50)
  .openapi({ description: "Items per page (1–200)." });

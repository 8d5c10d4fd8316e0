import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { ZodType } from "zod";
import { AppError } from "../errors";

type ZodIssueLike = { message: string; path: readonly PropertyKey[] };

/** A zod failure as our one 400: `<path>: <message>` of the first problem, every issue kept as details. */
export function invalidInput(issues: readonly ZodIssueLike[]): AppError {
  const issue = issues[0]!;
  return new AppError("BAD_REQUEST", `${issue.path.map(String).join(".") || "body"}: ${issue.message}`, issues);
}

/** The one validation hook, for `validate` below and for every admin OpenAPI sub-app (its `defaultHook`). */
export function rejectInvalid(
  result: { success: true } | { success: false; error: { issues: readonly ZodIssueLike[] } },
) {
  if (!result.success) throw invalidInput(result.error.issues);
}

/** `zValidator` with the shared hook: routes read `c.req.valid(target)`, typed from the schema. */
export const validate = <Target extends keyof ValidationTargets, Schema extends ZodType>(
  target: Target,
  schema: Schema,
) => zValidator(target, schema, rejectInvalid);

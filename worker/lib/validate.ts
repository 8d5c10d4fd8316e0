import { zValidator } from "@hono/zod-validator";
import type { ValidationTargets } from "hono";
import type { ZodType } from "zod";
import { AppError } from "../errors";

/** The shared zValidator hook: the first problem of a request answers 400 in our one error shape. */
export function rejectInvalid(result: { success: boolean; error?: { issues: { message: string; path: PropertyKey[] }[] } }) {
  if (result.success) return;
  const issue = result.error!.issues[0]!;
  throw new AppError("BAD_REQUEST", `${issue.path.map(String).join(".") || "body"}: ${issue.message}`, result.error!.issues);
}

/** `zValidator` with the shared hook: routes read `c.req.valid(target)`, typed from the schema. */
export const validate = <Target extends keyof ValidationTargets, Schema extends ZodType>(target: Target, schema: Schema) =>
  zValidator(target, schema, rejectInvalid);

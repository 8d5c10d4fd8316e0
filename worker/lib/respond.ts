import type { Context } from "hono";

/** JSON in, JSON out: API clients send JSON (or ask for it); browsers post forms and get pages. */
export function wantsJson(c: Context): boolean {
  const type = c.req.header("content-type") ?? "";
  const accept = c.req.header("accept") ?? "";
  return type.includes("application/json") || (accept.includes("application/json") && !accept.includes("text/html"));
}

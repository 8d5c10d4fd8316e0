/**
 * The admin API's tests check every answer against the schema its route declares (the same zod objects the
 * OpenAPI document is generated from), so a handler and its documentation cannot drift apart unnoticed.
 */
import { expect } from "vitest";
import type { z } from "zod";
import { adminApi } from "../../worker/routes/admin-api/admin-api";
import type { ApiError } from "./route-helpers";

export type Method = "get" | "post" | "patch" | "delete";

interface DeclaredRoute {
  method: Method;
  path: string;
  responses: Record<string, { content?: Record<string, { schema: unknown }> }>;
}

/** Every operation registered for the document, with the path the document gives it ("/subscribers/{id}"). */
export function declaredRoutes(): DeclaredRoute[] {
  return adminApi.openAPIRegistry.definitions
    .filter((definition) => definition.type === "route")
    .map((definition) => (definition as unknown as { route: DeclaredRoute }).route);
}

/** The zod schema a route declares for a status and content type; fails the test when there is none. */
export function declaredSchema(method: Method, path: string, status: number, type = "application/json"): z.ZodType {
  const routes = declaredRoutes();
  expect(
    routes.map((r) => `${r.method} ${r.path}`),
    "declared operations",
  ).toContain(`${method} ${path}`);
  const content = routes.find((r) => r.method === method && r.path === path)!.responses[String(status)]?.content ?? {};
  expect(Object.keys(content), `${method.toUpperCase()} ${path} ${status}: declared content types`).toContain(type);
  return content[type]!.schema as z.ZodType;
}

/** The body of an answer, parsed with the schema its route declares for that status (which must be `status`). */
export async function expectDeclared<T = unknown>(
  res: Response,
  method: Method,
  path: string,
  status = 200,
): Promise<T> {
  const text = await res.text();
  expect(res.status, text.slice(0, 500)).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const parsed = declaredSchema(method, path, status).safeParse(JSON.parse(text));
  expect(parsed.success ? [] : parsed.error.issues, `${method.toUpperCase()} ${path} ${status}`).toEqual([]);
  return JSON.parse(text) as T;
}

/** An error answer: our one shape, the request id of the response, and the code and message asked for. */
export async function expectApiError(res: Response, status: number, code: string, message?: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = (await res.json()) as ApiError;
  expect(body.error.code).toBe(code);
  expect(body.error.message).toBeTruthy();
  if (message) expect(body.error.message).toMatch(message);
  // Every error, the auth middleware's included, carries the request id for support.
  expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  return body;
}

export const json = async <T>(res: Response) => (await res.json()) as T;

/** A page of a list, as every admin list answers. */
export interface Page<T> {
  data: T[];
  has_more: boolean;
  next_cursor: string | null;
}

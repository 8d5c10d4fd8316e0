import { createRoute, z as openapiZ } from "@hono/zod-openapi";
import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import type { AppEnv } from "../../worker/app-env";
import { AppError } from "../../worker/errors";
import { invalidInput, validate } from "../../worker/middleware/validate";
import { createAdminApi } from "../../worker/routes/admin-api/openapi-app";
import { handleError } from "../../worker/routes/error-response";

describe("invalidInput", () => {
  it("names the first problem by its path, keeps every issue, and is a 400", () => {
    const issues = [
      { path: ["series", 0, "slug"], message: "must be a series slug" },
      { path: ["limit"], message: "too big" },
    ];
    const error = invalidInput(issues);
    expect(error).toBeInstanceOf(AppError);
    expect([error.code, error.status, error.message]).toEqual([
      "BAD_REQUEST",
      400,
      "series.0.slug: must be a series slug",
    ]);
    expect(error.details).toEqual(issues);
  });

  it("says 'body' for a problem with the whole input", () => {
    expect(invalidInput([{ path: [], message: "expected object" }]).message).toBe("body: expected object");
  });
});

describe("zValidator and the admin OpenAPI apps", () => {
  // The same rule written twice, once per validator: both must answer the same 400.
  const plain = new Hono<AppEnv>()
    .use(requestId())
    .get("/items", validate("query", z.object({ limit: z.coerce.number().int().max(200) })), (c) =>
      c.json(c.req.valid("query")),
    );
  plain.onError(handleError);
  const openapi = createAdminApi().openapi(
    createRoute({
      method: "get",
      path: "/items",
      request: { query: openapiZ.object({ limit: openapiZ.coerce.number().int().max(200) }) },
      responses: { 200: { description: "ok" } },
    }),
    (c) => c.json(c.req.valid("query"), 200),
  );
  const openapiApp = new Hono<AppEnv>().use(requestId()).route("/", openapi);
  openapiApp.onError(handleError);

  it("answer a bad query with the same code and message", async () => {
    const answers = await Promise.all(
      [plain, openapiApp].map(async (app) => {
        const res = await app.request("/items?limit=500", { headers: { accept: "application/json" } });
        const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
        expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
        return [res.status, body.error.code, body.error.message];
      }),
    );
    expect(answers[0]).toEqual([400, "BAD_REQUEST", "limit: Too big: expected number to be <=200"]);
    expect(answers[1]).toEqual(answers[0]);
  });

  it("pass a good query through, coerced", async () => {
    for (const app of [plain, openapiApp]) {
      const res = await app.request("/items?limit=7");
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ limit: 7 });
    }
  });
});

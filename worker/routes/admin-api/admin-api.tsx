import type { Context, MiddlewareHandler } from "hono";
import type { AppEnv } from "../../app-env";
import { basicAuth } from "hono/basic-auth";
import { bearerAuth } from "hono/bearer-auth";
import type { ErrorCode } from "../../errors";
import { ApiDocsPage, type ApiDocument } from "../../pages/api-docs-page";
import { checkAdminToken } from "../../middleware/admin-auth";
import { feedbackApi } from "./feedback";
import { growthApi } from "./growth";
import { createAdminApi } from "./openapi-app";
import { previewsApi } from "./previews";
import { sendsApi } from "./sends";
import { seriesApi } from "./series";
import { subscriberDataRoutes } from "./subscriber-data-routes";
import { subscribersApi } from "./subscribers";

export const ADMIN_API_BASE = "/admin/api";

const authError = (code: ErrorCode, message: string) => (c: { get(key: "requestId"): string }) => ({
  error: { code, message, requestId: c.get("requestId") },
});

/** hono's auth helpers hand their callbacks a context typed without our variables: the request's deps are there. */
const checkToken = (c: Context, given: string) =>
  checkAdminToken((c as unknown as Context<AppEnv>).var.deps, { given, clientIp: c.req.header("cf-connecting-ip") });

const bearer = bearerAuth({
  verifyToken: (token, c) => checkToken(c, token),
  // Hono answers these itself: give them our one error shape, request id included.
  noAuthenticationHeader: { message: authError("UNAUTHORIZED", "Send Authorization: Bearer <ADMIN_TOKEN>.") },
  invalidAuthenticationHeader: {
    message: authError("BAD_REQUEST", "Malformed Authorization header: send Authorization: Bearer <ADMIN_TOKEN>."),
  },
  invalidToken: { message: authError("UNAUTHORIZED", "Wrong admin token.") },
});

/** A browser cannot send a Bearer token: the reference page also takes Basic auth (any user, ADMIN_TOKEN). */
const basic = basicAuth({
  realm: "nextpart admin (password: ADMIN_TOKEN)",
  verifyUser: (_user, password, c) => checkToken(c, password),
});

/**
 * Everything under /admin/api needs the admin token, the document and its reference page included: a spec
 * holds no secret, but the safe default is to show the API's surface to the admin only.
 */
const requireAdmin: MiddlewareHandler = (c, next) =>
  c.req.path === `${ADMIN_API_BASE}/docs` && !c.req.header("authorization")?.startsWith("Bearer ")
    ? basic(c, next)
    : bearer(c, next);

export const adminApi = createAdminApi();
adminApi.use("*", requireAdmin);
adminApi.openAPIRegistry.registerComponent("securitySchemes", "adminToken", {
  type: "http",
  scheme: "bearer",
  description: "ADMIN_TOKEN",
});

adminApi
  // Before subscribersApi, so /subscribers/import and /subscribers/export.csv match before /subscribers/{id}.
  .route("/", subscriberDataRoutes)
  .route("/", subscribersApi)
  .route("/", seriesApi)
  .route("/", sendsApi)
  .route("/", previewsApi)
  .route("/", feedbackApi)
  .route("/", growthApi);

let document: ApiDocument | undefined;

/** Built once per isolate: the routes do not change while it lives. */
export function adminApiDocument(): ApiDocument {
  document ??= adminApi.getOpenAPI31Document({
    openapi: "3.1.0",
    info: {
      title: "nextpart admin API",
      version: "1",
      description:
        "Readers, series, sending and previews of nextpart. Lists answer { data, has_more, next_cursor }; errors " +
        "{ error: { code, message, requestId } }. POSTs that send mail honour Idempotency-Key.",
    },
    servers: [{ url: ADMIN_API_BASE }],
    security: [{ adminToken: [] }],
  }) as ApiDocument;
  return document;
}

adminApi.get("/openapi.json", (c) => c.json(adminApiDocument()));
adminApi.get("/docs", (c) => c.html(<ApiDocsPage doc={adminApiDocument()} />));

import type { Context } from "hono";
import type { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../app-env";
import { AppError, type ErrorCode } from "../errors";
import { wantsJson } from "../lib/respond";
import { MessagePage } from "../pages/message-page";

const codeForStatus: Record<number, ErrorCode> = {
  400: "BAD_REQUEST",
  401: "UNAUTHORIZED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  413: "PAYLOAD_TOO_LARGE",
  415: "UNSUPPORTED_MEDIA_TYPE",
  429: "RATE_LIMITED",
  503: "NOT_CONFIGURED",
};

/** One error shape: `{ error: { code, message, requestId } }` for API clients, a friendly page for browsers. */
export function errorResponse(c: Context<AppEnv>, error: HTTPException) {
  // Hono's own middleware (bearer auth, csrf) answers with a ready-made response: keep bearer auth's (401, and
  // 400 for a malformed Authorization header, with its WWW-Authenticate), not CSRF's bare 403.
  if (!(error instanceof AppError) && error.res && (error.status === 401 || error.status === 400)) {
    const res = new Response(error.res.body, error.res);
    res.headers.set("X-Request-Id", c.get("requestId"));
    return res;
  }
  const code = error instanceof AppError ? error.code : (codeForStatus[error.status] ?? "INTERNAL");
  const message =
    error instanceof AppError
      ? error.message
      : error.status === 403
        ? "This form was sent from another site. Please use the form on this site."
        : error.message || "The request could not be handled.";
  const status = error.status;
  if (wantsJson(c) || c.req.path.startsWith("/admin/api/")) {
    return c.json({ error: { code, message, requestId: c.get("requestId") } }, status);
  }
  return c.html(
    <MessagePage title={pageTitle(code)}>
      <p>{message}</p>
      <p>
        <a href="/">Go to the signup page</a>
      </p>
    </MessagePage>,
    status,
  );
}

function pageTitle(code: ErrorCode): string {
  switch (code) {
    case "NOT_FOUND":
      return "Page not found";
    case "INVALID_TOKEN":
      return "This link does not work";
    case "RATE_LIMITED":
      return "Too many requests";
    case "INTERNAL":
      return "Something went wrong";
    case "NOT_CONFIGURED":
      return "Not available yet";
    default:
      return "We could not do that";
  }
}

import type { Context, ErrorHandler, NotFoundHandler } from "hono";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../app-env";
import { AppError, type ErrorCode } from "../errors";
import { wantsJson } from "../lib/respond";
import { MessagePage } from "../pages/message-page";

/** The one error handler (app.onError): every error becomes our one shape, or a friendly page for browsers. */
export const handleError: ErrorHandler<AppEnv> = (error, c) => {
  if (error instanceof AppError) return errorResponse(c, error);
  // Hono's auth middlewares answer with a ready response (bearerAuth's body already in our shape, with its
  // WWW-Authenticate): kept as it is, with the request id.
  if (error instanceof HTTPException && error.res) {
    const res = new Response(error.res.body, error.res);
    res.headers.set("X-Request-Id", c.get("requestId"));
    return res;
  }
  // Hono's validators refuse a body they cannot parse with a bare 400 and a message that says why, and
  // @hono/zod-openapi a content type the route does not declare with a bare 415.
  if (error instanceof HTTPException && error.status === 400)
    return errorResponse(c, new AppError("BAD_REQUEST", error.message));
  if (error instanceof HTTPException && error.status === 415) {
    return errorResponse(
      c,
      new AppError(
        "UNSUPPORTED_MEDIA_TYPE",
        "Send the body as the Content-Type this route declares (see /admin/api/docs).",
      ),
    );
  }
  console.error("unhandled error", error);
  return errorResponse(c, new AppError("INTERNAL", "Something went wrong on our side. Please try again."));
};

export const notFound: NotFoundHandler<AppEnv> = (c) =>
  errorResponse(c, new AppError("NOT_FOUND", "There is nothing at this address."));

/** `{ error: { code, message, requestId } }` for API clients, a page for browsers. */
function errorResponse(c: Context<AppEnv>, error: AppError) {
  const { code, message, status } = error;
  for (const [name, value] of Object.entries(error.headers ?? {})) c.header(name, value);
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

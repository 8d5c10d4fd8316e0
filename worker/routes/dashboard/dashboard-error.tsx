import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { sendsToOutbox } from "../../mail/create-mailer";
import { AppError } from "../../errors";
import { DashboardErrorPage } from "../../pages/dashboard-pages/error-page";
import type { DashboardEnv } from "./dashboard-env";

const titles: Record<number, string> = {
  400: "That request was not right",
  403: "Not allowed",
  404: "Not found",
  409: "Not possible right now",
  413: "Too large",
  415: "Not a form",
  429: "Too many requests",
  502: "The mail provider failed",
  503: "Not set up",
};

/** Errors of dashboard pages render in the dashboard (the API and the public pages keep theirs). */
export function dashboardError(error: Error, c: Context<DashboardEnv>) {
  const known = error instanceof HTTPException;
  if (!known) console.error("dashboard: unhandled error", error);
  const status = known ? error.status : 500;
  // Hono's csrf middleware throws a bare 403: say what it means here.
  const message = !known
    ? "Something went wrong on our side. Please try again."
    : error instanceof AppError
      ? error.message
      : status === 403
        ? "This form was sent from another site, or without its origin. Use the dashboard's own forms."
        : error.message || "The request could not be handled.";
  const csrfToken = c.get("csrfToken") ?? null;
  return c.html(
    <DashboardErrorPage
      title={titles[status] ?? "Something went wrong"}
      message={message}
      csrfToken={csrfToken}
      showOutbox={csrfToken ? sendsToOutbox(c.var.deps.config) : false}
    />,
    status,
  );
}

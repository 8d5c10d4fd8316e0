import { Hono, type MiddlewareHandler } from "hono";
import { csrf } from "hono/csrf";
import { secureHeaders } from "hono/secure-headers";
import { AppError } from "../../errors";
import { defaultBodyLimit } from "../../middleware/read-body";
import { dashboardActionRoutes } from "./dashboard-actions";
import { dashboardError } from "./dashboard-error";
import type { DashboardEnv } from "./dashboard-env";
import { outboxPages } from "./outbox";
import { overviewRoutes } from "./overview";
import { importRoutes, importUploadLimit } from "./import";
import { previewRoutes } from "./preview";
import { readerDetailRoutes } from "./reader-detail";
import { readerEraseRoutes } from "./reader-erase";
import { readerRoutes } from "./readers";
import { requireCsrfToken, requireSession } from "../../middleware/dashboard-session";
import { signInRoutes } from "./sign-in";

/** /admin/api belongs to the API (Bearer token): none of the dashboard's middleware runs there. */
const isApiPath = (path: string) => path === "/admin/api" || path.startsWith("/admin/api/");
const pagesOnly =
  (middleware: MiddlewareHandler<DashboardEnv>): MiddlewareHandler<DashboardEnv> =>
  (c, next) =>
    isApiPath(c.req.path) ? next() : middleware(c, next);

/** Forms are small; a route that states its own limit before this one (the CSV upload) keeps it. */
const formLimit = defaultBodyLimit(8 * 1024);

/** No script at all, styles inline only; forms post to this site only; never framed. */
const strictCsp = secureHeaders({
  contentSecurityPolicy: {
    defaultSrc: ["'none'"],
    styleSrc: ["'unsafe-inline'"],
    // The outbox's email iframe (srcdoc) inherits this policy: its images may come from anywhere https.
    imgSrc: ["'self'", "data:", "https:"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
  },
  referrerPolicy: "same-origin",
});

/**
 * The dashboard at /admin (server-rendered, no JavaScript). Every page but sign-in needs the session cookie;
 * every POST passes hono's origin check, then the session's form token (double submit).
 */
export const dashboardRoutes = new Hono<DashboardEnv>()
  .use(pagesOnly(strictCsp))
  // Stated before the form limit and the form-token check, which reads the body.
  .route("/", importUploadLimit)
  .use(pagesOnly(formLimit))
  .use(pagesOnly(csrf()))
  .route("/", signInRoutes)
  .use(pagesOnly(requireSession))
  .use(pagesOnly(requireCsrfToken))
  .route("/", overviewRoutes)
  .route("/", dashboardActionRoutes)
  .route("/", readerRoutes)
  .route("/", readerDetailRoutes)
  .route("/", readerEraseRoutes)
  .route("/", previewRoutes)
  .route("/", importRoutes)
  .route("/outbox", outboxPages)
  .all(
    "*",
    pagesOnly(() => {
      throw new AppError("NOT_FOUND", "There is no dashboard page at this address.");
    }),
  )
  .onError(dashboardError);

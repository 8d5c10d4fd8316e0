import { createMiddleware } from "hono/factory";
import { appDeps } from "../app-deps";
import type { AppEnv } from "../app-env";
import { ConfigError } from "../config";
import { AppError } from "../errors";

/**
 * Builds the request's deps once (`c.var.deps`). A misconfigured deployment answers 503 (the details go to the
 * log, not to visitors) instead of 500s.
 */
export const provideDeps = createMiddleware<AppEnv>(async (c, next) => {
  try {
    c.set("deps", appDeps(c.env));
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error("misconfigured Worker:", error.message);
    throw new AppError("NOT_CONFIGURED", "This newsletter is not set up correctly yet. Please try again later.");
  }
  await next();
});

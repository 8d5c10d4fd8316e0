import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../app-env";
import { ConfigError, readConfig } from "../config";
import { AppError } from "../errors";

/** A misconfigured deployment answers 503 (the details go to the log, not to visitors) instead of 500s. */
export const requireConfig = createMiddleware<AppEnv>(async (c, next) => {
  try {
    readConfig(c.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error("misconfigured Worker:", error.message);
    throw new AppError("NOT_CONFIGURED", "This newsletter is not set up correctly yet. Please try again later.");
  }
  await next();
});

import { type Config, readConfig } from "./config";
import { type CatalogIndex, compiledCatalog } from "./content/catalog";
import { releasedCatalog } from "./content/release";
import type { Env } from "./env";
import { createMailer, type Mailer } from "./mail/create-mailer";

/**
 * What every verb works with: built once per request (middleware/provide-deps.ts, read as `c.var.deps`) and
 * once per cron tick or queue batch (worker/index.ts). A verb is `verbNoun(deps, input)` and names the part
 * of it that it needs (`Pick<AppDeps, "db" | "config">`), so a test passes only that.
 */
export interface AppDeps {
  /** The D1 binding (tests pass a wrapper that captures, counts or fails statements). */
  db: D1Database;
  config: Config;
  /** This deployment's mailer: the resend SDK, or the local outbox (npm start, tests). */
  mailer: Mailer;
  /** The series and their parts released when the deps were built: what readers may receive and see. */
  catalog: CatalogIndex;
  /** The current time (ms): Date.now in production; tests pass a simulated clock. */
  clock: () => number;
  /** The bindings beyond D1 a verb may need: queues, rate limiters. */
  env: Env;
}

/** What tests (and the bench, through the API) may replace; everything else comes from the bindings. */
export type DepsOverrides = Partial<Pick<AppDeps, "db" | "mailer" | "catalog" | "clock">>;

/** The one place deps are assembled. Throws ConfigError on a misconfigured deployment (callers answer 503). */
export function appDeps(env: Env, overrides: DepsOverrides = {}): AppDeps {
  const config = readConfig(env);
  const clock = overrides.clock ?? Date.now;
  return {
    db: overrides.db ?? env.DB,
    config,
    mailer: overrides.mailer ?? createMailer(env, config),
    // Parts written ahead stay invisible until their release (content/release.ts); the view is cached.
    catalog: releasedCatalog(overrides.catalog ?? compiledCatalog, clock()),
    clock,
    env,
  };
}

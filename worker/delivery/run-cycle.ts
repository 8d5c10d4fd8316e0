import { readConfig } from "../config";
import { compiledCatalog, type CatalogIndex } from "../content/catalog";
import { releasedCatalog } from "../content/release";
import type { Env } from "../env";
import { createMailer, type Mailer } from "../mail/create-mailer";
import type { DeliveryContext } from "./context";
import { D1Meter } from "./d1-meter";
import { runDeliveryCycle, type CycleOptions, type CycleSummary } from "./cycle";

export type { CycleSummary } from "./cycle";

/** What a cycle runs against; each defaults to the real one (tests wrap or replace them). */
export interface DeliveryDeps {
  /** The D1 binding, or a wrapper of it (e.g. one that fails a transaction). */
  db?: D1Database;
  mailer?: Mailer;
  /** The series as deployed, or an edited copy (a deploy that inserts, removes or reorders parts). */
  catalog?: CatalogIndex;
  /** The current time (ms); the cycle decides what is due against its first reading. */
  clock?: () => number;
}

/** A run's knobs; the budget defaults to the configuration (SEND_BATCHES_PER_RUN, SEND_CONCURRENCY). */
export type RunCycleOptions = Partial<CycleOptions>;

/** The one place a delivery context is assembled: the cycle's and the queue consumer's. */
export function deliveryContext(env: Env, deps: DeliveryDeps = {}): DeliveryContext {
  const config = readConfig(env);
  const clock = deps.clock ?? Date.now;
  const now = clock();
  return {
    meter: new D1Meter(deps.db ?? env.DB),
    config,
    mailer: deps.mailer ?? createMailer(env, config),
    // Parts written ahead stay out of the cycle until their release (content/release.ts).
    catalog: releasedCatalog(deps.catalog ?? compiledCatalog, now),
    now,
    clock,
  };
}

/**
 * Runs one delivery cycle: the cron (with the queue: fan-out), POST /admin/api/send (inline, maybe a dry run
 * or one reader), the tests and the bench all come through here.
 */
export function runCycle(env: Env, options: RunCycleOptions = {}, deps: DeliveryDeps = {}): Promise<CycleSummary> {
  const ctx = deliveryContext(env, deps);
  return runDeliveryCycle(ctx, {
    batchSize: 100,
    maxBatches: ctx.config.sendBatchesPerRun,
    concurrency: ctx.config.sendConcurrency,
    ...options,
  });
}

import type { AppDeps } from "../app-deps";
import type { DeliveryContext } from "./context";
import { D1Meter } from "./d1-meter";
import { runDeliveryCycle, type CycleOptions, type CycleSummary } from "./cycle";

export type { CycleSummary } from "./cycle";

/** A run's knobs; the budget defaults to the configuration (SEND_BATCHES_PER_RUN, SEND_CONCURRENCY). */
export type RunCycleOptions = Partial<CycleOptions>;

/**
 * The one place a delivery context is assembled (the cycle's, the queue consumer's, the reading checks'): the
 * deps, a fresh meter over their D1 and the instant the work starts (a long cycle must not hand out leases that
 * are already expired: `clock` is read again for those).
 */
export function deliveryContext(deps: AppDeps): DeliveryContext {
  return { ...deps, meter: new D1Meter(deps.db), now: deps.clock() };
}

/**
 * Runs one delivery cycle: the cron (with the queue: fan-out), POST /admin/api/send (inline, maybe a dry run
 * or one reader), the tests and the bench all come through here.
 */
export function runCycle(deps: AppDeps, options: RunCycleOptions = {}): Promise<CycleSummary> {
  const ctx = deliveryContext(deps);
  return runDeliveryCycle(ctx, {
    batchSize: 100,
    maxBatches: ctx.config.sendBatchesPerRun,
    concurrency: ctx.config.sendConcurrency,
    ...options,
  });
}

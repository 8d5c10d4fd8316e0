import { readConfig } from "../config";
import { compiledCatalog } from "../content/catalog";
import type { Env } from "../env";
import { createMailer } from "../mail";
import type { DeliveryContext } from "./context";
import { D1Meter } from "./d1-meter";
import { runDeliveryCycle, type CycleOptions, type CycleSummary } from "./cycle";

export type { CycleSummary } from "./cycle";
export { sendBatch } from "./send-batch";

export function createDeliveryContext(env: Env, now = Date.now()): DeliveryContext {
  const config = readConfig(env);
  return { meter: new D1Meter(env.DB), config, mailer: createMailer(env, config), catalog: compiledCatalog, now, clock: Date.now };
}

/** Cycle options from configuration; callers narrow them (filters, dry run) or add the queue. */
export function cycleOptions(env: Env, overrides: Partial<CycleOptions> = {}): CycleOptions {
  const config = readConfig(env);
  return {
    batchSize: 100,
    maxBatches: config.sendBatchesPerRun,
    concurrency: config.sendConcurrency,
    ...overrides,
  };
}

/** The cron: fan out through the queue when it is bound, otherwise send inline within the budget. */
export function runScheduledCycle(env: Env, now = Date.now()): Promise<CycleSummary> {
  return runDeliveryCycle(createDeliveryContext(env, now), cycleOptions(env, { queue: env.DELIVERY_QUEUE }));
}

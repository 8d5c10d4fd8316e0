import type { Config } from "../config";
import { DAY_MS, HOUR_MS } from "../lib/durations";
import { SHARED_SLOT_MAX_WINDOW_MS } from "../mail/shared-slot";

/** Rows one statement deletes at most: D1 runs one query at a time, and a huge DELETE can reset it. */
export const RETENTION_CHUNK_ROWS = 500;
/** Sent batches slimmed per chunk: at most 100 deliveries each, so a chunk stays within RETENTION_CHUNK_ROWS. */
export const BATCHES_PER_CHUNK = 5;

/** How long each kind of row is kept (ms), from the configuration (RETAIN_*; docs/retention.md says why). */
export interface RetentionPolicy {
  webhookEventsMs: number;
  deliveriesMs: number;
  clicksMs: number;
  pendingSignupsMs: number;
  importsMs: number;
  outboxMs: number;
  feedbackDeadLettersMs: number;
  /** Fixed: a shared counter whose window ended a day ago means nothing (its next use restarts at 1). */
  rateCountersMs: number;
  /** Chunks per table one run may delete (RETENTION_CHUNKS_PER_RUN). */
  chunksPerRun: number;
}

export function retentionPolicy(config: Config): RetentionPolicy {
  return {
    webhookEventsMs: config.retainWebhookEventsHours * HOUR_MS,
    deliveriesMs: config.retainDeliveriesDays * DAY_MS,
    clicksMs: config.retainClicksDays * DAY_MS,
    pendingSignupsMs: config.retainPendingSignupsDays * DAY_MS,
    importsMs: config.retainImportsDays * DAY_MS,
    outboxMs: config.retainOutboxDays * DAY_MS,
    feedbackDeadLettersMs: config.retainFeedbackDeadLettersDays * DAY_MS,
    rateCountersMs: DAY_MS + SHARED_SLOT_MAX_WINDOW_MS,
    chunksPerRun: config.retentionChunksPerRun,
  };
}

import type { AppDeps } from "../app-deps";
import type { D1Meter } from "./d1-meter";

/**
 * What every step of the delivery cycle works with: the invocation's deps (its catalog: the series and parts
 * released, in the order they are sent) plus a meter over `db` and the cycle's instant. Assembled only by
 * deliveryContext() (run-cycle.ts).
 */
export interface DeliveryContext extends AppDeps {
  meter: D1Meter;
  /** When the cycle started (ms): what is due is decided against this one value. `clock` is read for leases and slots. */
  now: number;
}

/**
 * Batches one cron run may claim for the queue (50,000 emails a minute): bounds the invocation's D1 calls;
 * whatever is left is claimed on the next tick.
 */
export const MAX_QUEUED_BATCHES_PER_RUN = 500;
/** Pauses one run may end (each a row written): a burst of pauses ending at once is spread over a few minutes. */
export const MAX_RESUMES_PER_RUN = 500;
/** How long a claimed batch waiting in the queue belongs to its consumer before the cron takes it back. */
export const QUEUED_LEASE_MS = 15 * 60 * 1000;
/** How long one send attempt may take before another cycle may retry the batch (same key, so no duplicate). */
export const SENDING_LEASE_MS = 2 * 60 * 1000;
/** Backoff after an unknown outcome (5xx, timeout): attempt n waits n minutes, at most 30. */
export const retryBackoffMs = (attempts: number) => Math.min(attempts, 30) * 60 * 1000;
/** A batch the provider rejected (4xx), or a reader it refused: tried again after this. */
export const REJECTED_RETRY_MS = 60 * 60 * 1000;
/** A reader the provider refused this many times in a row is set aside (subscription stopped, with the reason). */
export const MAX_REFUSALS = 3;
/** How far ahead a provider call may book its rate-limit slot; beyond it the call is left for later. */
export const PROVIDER_SLOT_MAX_WAIT_MS = 5_000;
/**
 * Resend keeps an idempotency key for 24 h. A batch whose outcome is still unknown after this long can no
 * longer be retried safely: it is recorded as sent (a reader may miss a part, but never gets one twice).
 */
export const IDEMPOTENCY_WINDOW_MS = 23 * 60 * 60 * 1000;

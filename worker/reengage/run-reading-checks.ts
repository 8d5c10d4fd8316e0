import type { AppDeps } from "../app-deps";
import { deliveryContext } from "../delivery/run-cycle";
import { endGraces, type GraceEnds } from "./end-grace";
import { sendReadingChecks, type CheckOutcome } from "./send-reading-checks";

export interface ReadingChecksSummary {
  checks: Record<CheckOutcome, number>;
  graces: GraceEnds;
  d1: { statements: number; rowsRead: number; rowsWritten: number };
}

/**
 * The cron's part of the "Still reading?" rule: deadlines first (a reader paused now gets no email of it), then
 * the queued emails. An idle tick is two probes of the open-checks index. Tests pass a clock, a mailer, a
 * wrapped D1 or an edited catalog, as they do to the delivery cycle.
 */
export async function runReadingChecks(deps: AppDeps): Promise<ReadingChecksSummary> {
  const ctx = deliveryContext(deps);
  const graces = await endGraces(ctx);
  const checks = await sendReadingChecks(ctx);
  return { checks, graces, d1: ctx.meter.totals() };
}

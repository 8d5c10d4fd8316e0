import { createDeliveryContext, cycleOptions, type CycleSummary } from "../delivery";
import { runDeliveryCycle } from "../delivery/cycle";
import type { Env } from "../env";

/** The dashboard's "Dry run" and "Send now": the same cycle as POST /admin/api/send, inline (no queue). */
export function runCycleFromDashboard(env: Env, input: { dryRun: boolean; series?: string }): Promise<CycleSummary> {
  return runDeliveryCycle(createDeliveryContext(env), cycleOptions(env, { dryRun: input.dryRun, filter: { series: input.series } }));
}

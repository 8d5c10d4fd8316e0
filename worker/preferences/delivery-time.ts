import type { AppDeps } from "../app-deps";
import { releasedSeries } from "../content/release";
import type { CompiledSeries } from "../content/types";
import { nextSendableTime, readerZone, sendableHours } from "../delivery/schedule";
import { isValidTimezone } from "../lib/timezone";
import { deliveryTimeSql } from "./preference-queries";
import type { PreferenceState } from "./read-preferences";

export type DeliveryTimeInput = { timezone: string | null; sendHour: number | null };

/** What is wrong with a choice of zone and hour for this series, or null (the form offers only valid ones). */
export function deliveryTimeProblem(series: CompiledSeries, input: DeliveryTimeInput): string | null {
  if (input.timezone !== null && !isValidTimezone(input.timezone)) return "Please choose a time zone from the list.";
  if (input.sendHour !== null && !sendableHours(series.sendWindow).includes(input.sendHour)) {
    return "Please choose an hour from the list: this series sends only at those times.";
  }
  return null;
}

/**
 * The reader's time zone (all their series) and preferred hour for this one; the next part's due time moves with
 * them: its delay after the last part, then the first moment in the series' window and the chosen hour.
 */
export async function setDeliveryTime(
  deps: Pick<AppDeps, "db" | "clock">,
  { state, series, ...input }: DeliveryTimeInput & { state: PreferenceState; series: CompiledSeries },
) {
  const { db } = deps;
  const now = deps.clock();
  const part = releasedSeries(series, now).parts[state.nextPart - 1];
  const earliest = part ? Math.max(now, (state.lastSentAt ?? now) + part.delayMs) : null;
  const dueAt =
    earliest === null
      ? null
      : nextSendableTime(earliest, series.sendWindow, readerZone(series, input.timezone), input.sendHour);
  await db.batch([
    db.prepare(deliveryTimeSql.timezone).bind(state.subscriberId, now, input.timezone),
    db.prepare(deliveryTimeSql.hour).bind(state.subscriptionId, now, input.sendHour, dueAt),
  ]);
}

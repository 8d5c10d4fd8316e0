import { releasedSeries } from "../content/release";
import type { CompiledSeries } from "../content/types";
import { nextSendableTime, readerZone, sendableHours } from "../delivery/schedule";
import { isValidTimezone } from "../lib/timezone";
import type { PreferenceState } from "./read-preferences";

/** ?1 subscriber id or subscription id, ?2 now. */
export const deliveryTimeSql = {
  /** ?3 the zone (null: the series' own). The reader's, for all their series. */
  timezone: `UPDATE subscribers SET timezone = ?3, updated_at = ?2 WHERE id = ?1`,
  /**
   * ?3 the hour (null: none), ?4 the next part's due time again under the new zone and hour. Not while a batch
   * holds it (the record step sets its next due time) nor once the reader asked for it now.
   */
  hour: `UPDATE subscriptions SET send_hour = ?3, updated_at = ?2,
      due_at = CASE WHEN ?4 IS NOT NULL AND batch_id IS NULL AND due_at IS NOT NULL AND asked_at IS NOT due_at THEN ?4 ELSE due_at END
    WHERE id = ?1`,
} as const;

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
  d1: D1Database,
  state: PreferenceState,
  series: CompiledSeries,
  input: DeliveryTimeInput,
  now: number,
) {
  const part = releasedSeries(series, now).parts[state.nextPart - 1];
  const earliest = part ? Math.max(now, (state.lastSentAt ?? now) + part.delayMs) : null;
  const dueAt =
    earliest === null
      ? null
      : nextSendableTime(earliest, series.sendWindow, readerZone(series, input.timezone), input.sendHour);
  await d1.batch([
    d1.prepare(deliveryTimeSql.timezone).bind(state.subscriberId, now, input.timezone),
    d1.prepare(deliveryTimeSql.hour).bind(state.subscriptionId, now, input.sendHour, dueAt),
  ]);
}

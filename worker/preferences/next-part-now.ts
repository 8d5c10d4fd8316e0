import { releasedSeries } from "../content/release";
import type { CompiledSeries } from "../content/types";
import { DAY_MS } from "../lib/durations";
import { NEXT_PART_NOW_EVENT, type PreferenceState } from "./read-preferences";

/**
 * Parts a reader may ask for ahead of time per rolling day, across all their series: enough to catch up on a
 * weekend, few enough that the provider rate and a list's reputation never hang on one reader.
 */
export const NEXT_PART_NOW_PER_DAY = 3;

/** The one press, one transaction; ?1 subscription id, ?2 now. */
export const nextPartNowSql = {
  /**
   * ?3 now minus a day, ?4 the cap, ?5 the part the page offered (its position), ?6 the event's data. Recorded only
   * while the press still applies (active, nothing in flight, that part next and not due yet) and under the cap,
   * counted in the same statement, so two presses at once cannot both slip under it.
   */
  recordAsk: `INSERT INTO events (subscriber_id, type, data, created_at)
    SELECT s.subscriber_id, '${NEXT_PART_NOW_EVENT}', ?6, ?2 FROM subscriptions s JOIN subscribers p ON p.id = s.subscriber_id
    WHERE s.id = ?1 AND s.status = 'active' AND p.status = 'active' AND s.batch_id IS NULL AND s.next_part = ?5
      AND (s.due_at IS NULL OR s.due_at > ?2)
      AND (SELECT count(*) FROM events e WHERE e.subscriber_id = s.subscriber_id AND e.created_at > ?3
        AND e.type = '${NEXT_PART_NOW_EVENT}') < ?4`,
  /** Due now, marked as asked for (asked_at = due_at): the claim does not hold it for the reader's hour. */
  makeDue: `UPDATE subscriptions SET due_at = ?2, asked_at = ?2, updated_at = ?2
    WHERE id = ?1 AND EXISTS (SELECT 1 FROM events e WHERE e.subscriber_id = subscriptions.subscriber_id
      AND e.created_at = ?2 AND e.type = '${NEXT_PART_NOW_EVENT}')`,
} as const;

export type NextPartNowResult =
  | { kind: "asked"; part: number }
  /** Over the cap: another press is possible at `nextAt`. */
  | { kind: "capped"; nextAt: number }
  /** Nothing to ask for: caught up, paused, stopped, already due or in flight, or the page was out of date. */
  | { kind: "nothing_waiting" };

/**
 * "Next part now": the subscription's next released part becomes due at once, and the cycle's claim sends it
 * through the same exactly-once path as any other (nothing is sent from the request).
 */
export async function askNextPartNow(
  d1: D1Database,
  state: PreferenceState,
  series: CompiledSeries,
  now: number,
): Promise<NextPartNowResult> {
  const waiting = state.nextPart <= releasedSeries(series, now).parts.length;
  if (!waiting) return { kind: "nothing_waiting" };
  const [recorded] = await d1.batch([
    d1
      .prepare(nextPartNowSql.recordAsk)
      .bind(
        state.subscriptionId,
        now,
        now - DAY_MS,
        NEXT_PART_NOW_PER_DAY,
        state.nextPart,
        JSON.stringify({ series: series.slug, part: state.nextPart }),
      ),
    d1.prepare(nextPartNowSql.makeDue).bind(state.subscriptionId, now),
  ]);
  if (recorded!.meta.changes === 1) return { kind: "asked", part: state.nextPart };
  if (state.asksToday >= NEXT_PART_NOW_PER_DAY && state.oldestAskAt !== null)
    return { kind: "capped", nextAt: state.oldestAskAt + DAY_MS };
  return { kind: "nothing_waiting" };
}

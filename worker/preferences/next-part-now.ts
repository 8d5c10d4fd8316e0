import type { AppDeps } from "../app-deps";
import { releasedSeries } from "../content/release";
import type { CompiledSeries } from "../content/types";
import { DAY_MS } from "../lib/durations";
import { nextPartNowSql } from "./preference-queries";
import type { PreferenceState } from "./read-preferences";

/**
 * Parts a reader may ask for ahead of time per rolling day, across all their series: enough to catch up on a
 * weekend, few enough that the provider rate and a list's reputation never hang on one reader.
 */
export const NEXT_PART_NOW_PER_DAY = 3;

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
  deps: Pick<AppDeps, "db" | "clock">,
  { state, series }: { state: PreferenceState; series: CompiledSeries },
): Promise<NextPartNowResult> {
  const { db } = deps;
  const now = deps.clock();
  const waiting = state.nextPart <= releasedSeries(series, now).parts.length;
  if (!waiting) return { kind: "nothing_waiting" };
  const [recorded] = await db.batch([
    db
      .prepare(nextPartNowSql.recordAsk)
      .bind(
        state.subscriptionId,
        now,
        now - DAY_MS,
        NEXT_PART_NOW_PER_DAY,
        state.nextPart,
        JSON.stringify({ series: series.slug, part: state.nextPart }),
      ),
    db.prepare(nextPartNowSql.makeDue).bind(state.subscriptionId, now),
  ]);
  if (recorded!.meta.changes === 1) return { kind: "asked", part: state.nextPart };
  if (state.asksToday >= NEXT_PART_NOW_PER_DAY && state.oldestAskAt !== null)
    return { kind: "capped", nextAt: state.oldestAskAt + DAY_MS };
  return { kind: "nothing_waiting" };
}

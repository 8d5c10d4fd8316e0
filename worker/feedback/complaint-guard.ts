import type { AppDeps } from "../app-deps";
import { pauseSeries } from "../series/pause-series";
import { guardSql } from "./feedback-queries";

/** The last this many deliveries of a series are the guard's window. */
export const COMPLAINT_WINDOW = 1000;
/** 0.1% of the window, and never fewer than 2: one complaint can be a slip. Gmail's bulk-sender limit is 0.3%. */
export const COMPLAINT_THRESHOLD = Math.max(2, Math.ceil(0.001 * COMPLAINT_WINDOW));
/** Complaints looked at per check: more than the threshold, so the reason can say how many. */
const RECENT_COMPLAINTS = 50;

export interface GuardCheck {
  series: string;
  complaintsInWindow: number;
  threshold: number;
  window: number;
  paused: boolean;
}

/**
 * Run after a new complaint: when the series' last COMPLAINT_WINDOW deliveries carry COMPLAINT_THRESHOLD
 * complaints or more, the series is paused with the numbers in its reason. Only an admin resumes it.
 */
export async function checkComplaintGuard(deps: Pick<AppDeps, "db" | "clock">, series: string): Promise<GuardCheck> {
  const { db: d1 } = deps;
  const now = deps.clock();
  const { results: recent } = await d1
    .prepare(guardSql.recentComplaints)
    .bind(series, RECENT_COMPLAINTS)
    .all<{ id: number }>();
  let inWindow = 0;
  if (recent.length > 0) {
    const oldest = recent[recent.length - 1]!.id;
    const start = await d1
      .prepare(guardSql.windowStart)
      .bind(series, oldest, COMPLAINT_WINDOW - 1)
      .first<{ id: number }>();
    // No row: fewer than a window's worth of deliveries since the oldest complaint, so all of them are in it.
    inWindow = start ? recent.filter((row) => row.id >= start.id).length : recent.length;
  }
  const check: GuardCheck = {
    series,
    complaintsInWindow: inWindow,
    threshold: COMPLAINT_THRESHOLD,
    window: COMPLAINT_WINDOW,
    paused: false,
  };
  await d1
    .prepare(guardSql.recordCheck)
    .bind(
      series,
      JSON.stringify({
        series,
        complaintsInWindow: inWindow,
        threshold: COMPLAINT_THRESHOLD,
        window: COMPLAINT_WINDOW,
      }),
      now,
    )
    .run();
  if (inWindow >= COMPLAINT_THRESHOLD) {
    const reason =
      `complaint guard: ${inWindow} spam complaints among the last ${COMPLAINT_WINDOW} deliveries ` +
      `(threshold ${COMPLAINT_THRESHOLD} = 0.1%, at least 2; Gmail's limit is 0.3%)`;
    await pauseSeries({ db: d1, clock: () => now }, { series, reason });
    check.paused = true;
  }
  return check;
}

import type { AppDeps } from "../app-deps";
import { DAY_MS } from "../lib/durations";
import { readerPauseSql } from "./preference-queries";

/** What the pause buttons offer, in days; "back" pauses until the reader resumes. */
export const PAUSE_CHOICES = { "7": 7, "14": 14, "30": 30, back: null } as const;
export type PauseChoice = keyof typeof PAUSE_CHOICES;

/** When a pause chosen at `now` ends; null: until the reader comes back. */
export const pauseEnd = (choice: PauseChoice, now: number) => {
  const days = PAUSE_CHOICES[choice];
  return days === null ? null : now + days * DAY_MS;
};

/** Pauses one series for the reader; true when it is paused now (false: stopped or pending, nothing to pause). */
export async function pauseSubscription(
  deps: Pick<AppDeps, "db" | "clock">,
  { subscriptionId, until }: { subscriptionId: number; until: number | null },
): Promise<boolean> {
  const { db } = deps;
  const now = deps.clock();
  const [paused] = await db.batch([
    db.prepare(readerPauseSql.pause).bind(subscriptionId, now, until),
    db.prepare(readerPauseSql.recordPause).bind(subscriptionId, now, JSON.stringify({ until, source: "preferences" })),
  ]);
  return paused!.meta.changes === 1;
}

/**
 * Resumes one series where the reader left it: a part that fell due meanwhile goes now (within their window and
 * hour), and a reader who was caught up gets a part that came out meanwhile (the deps' released catalog says which).
 */
export async function resumeSubscription(
  deps: Pick<AppDeps, "db" | "catalog" | "clock">,
  subscriptionId: number,
): Promise<boolean> {
  const { db } = deps;
  const now = deps.clock();
  const [recorded] = await db.batch([
    db.prepare(readerPauseSql.recordResume).bind(subscriptionId, now, JSON.stringify({ source: "preferences" })),
    db.prepare(readerPauseSql.resume).bind(subscriptionId, now, deps.catalog.orderJson),
    db.prepare(readerPauseSql.resumeReader).bind(subscriptionId, now),
  ]);
  return recorded!.meta.changes === 1;
}

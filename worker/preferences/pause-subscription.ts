import { resumedDueAt } from "../delivery/delivery-queries";
import { DAY_MS } from "../lib/durations";

/** What the pause buttons offer, in days; "back" pauses until the reader resumes. */
export const PAUSE_CHOICES = { "7": 7, "14": 14, "30": 30, back: null } as const;
export type PauseChoice = keyof typeof PAUSE_CHOICES;

/** ?1 subscription id, ?2 now. */
export const readerPauseSql = {
  /**
   * ?3 until (null: until they come back). A paused subscription keeps its place and its due time: the claim's
   * index holds only active rows. Pausing again changes the date.
   */
  pause: `UPDATE subscriptions SET status = 'paused', paused_until = ?3, updated_at = ?2
    WHERE id = ?1 AND status IN ('active', 'paused')`,
  /** ?3 the event's data. */
  recordPause: `INSERT INTO events (subscriber_id, type, data, created_at)
    SELECT subscriber_id, 'paused', ?3, ?2 FROM subscriptions WHERE id = ?1 AND status = 'paused'`,
  /** ?3 the event's data. Before resume: only a press that resumes something is recorded. */
  recordResume: `INSERT INTO events (subscriber_id, type, data, created_at)
    SELECT s.subscriber_id, 'resumed', ?3, ?2 FROM subscriptions s JOIN subscribers p ON p.id = s.subscriber_id
    WHERE s.id = ?1 AND (s.status = 'paused' OR (s.status = 'active' AND p.status = 'paused'))`,
  /**
   * ?3 the catalog's order. Pressing resume is a sign of reading, as the admin's resume treats it: a "Still
   * reading?" pause's reason goes and its streak starts again.
   */
  resume: `UPDATE subscriptions SET status = 'active', paused_until = NULL, updated_at = ?2, due_at = ${resumedDueAt("?2", "?3")},
      set_aside_reason = NULL, quiet_parts = 0, signal_at = max(coalesce(signal_at, 0), ?2)
    WHERE id = ?1 AND status = 'paused'`,
  /** A reader the admin paused altogether reads again too (the claim checks both), as the admin's resume does. */
  resumeReader: `UPDATE subscribers SET status = 'active', updated_at = ?2
    WHERE id = (SELECT subscriber_id FROM subscriptions WHERE id = ?1 AND status = 'active') AND status = 'paused'`,
} as const;

/** When a pause chosen at `now` ends; null: until the reader comes back. */
export const pauseEnd = (choice: PauseChoice, now: number) => {
  const days = PAUSE_CHOICES[choice];
  return days === null ? null : now + days * DAY_MS;
};

/** Pauses one series for the reader; true when it is paused now (false: stopped or pending, nothing to pause). */
export async function pauseSubscription(
  d1: D1Database,
  subscriptionId: number,
  until: number | null,
  now: number,
): Promise<boolean> {
  const [paused] = await d1.batch([
    d1.prepare(readerPauseSql.pause).bind(subscriptionId, now, until),
    d1.prepare(readerPauseSql.recordPause).bind(subscriptionId, now, JSON.stringify({ until, source: "preferences" })),
  ]);
  return paused!.meta.changes === 1;
}

/**
 * Resumes one series where the reader left it: a part that fell due meanwhile goes now (within their window and
 * hour), and a reader who was caught up gets a part that came out meanwhile. `orderJson`: the released catalog's.
 */
export async function resumeSubscription(
  d1: D1Database,
  subscriptionId: number,
  orderJson: string,
  now: number,
): Promise<boolean> {
  const [recorded] = await d1.batch([
    d1.prepare(readerPauseSql.recordResume).bind(subscriptionId, now, JSON.stringify({ source: "preferences" })),
    d1.prepare(readerPauseSql.resume).bind(subscriptionId, now, orderJson),
    d1.prepare(readerPauseSql.resumeReader).bind(subscriptionId, now),
  ]);
  return recorded!.meta.changes === 1;
}

import { dayOf } from "../stats/growth-queries";

/**
 * Every statement of the "Still reading?" rule, in one place so tests/delivery/query-plans.test.ts can prove none
 * scans a table that grows with the list. Open checks (queued, sent) are the only rows of the cron's partial
 * index, so an idle tick reads nothing; a counter is bumped before the change it counts, while it is still to
 * be made, so a step run twice counts once.
 */

/** Open checks only, as the partial indexes say it (the planner matches their WHERE as written). */
const OPEN = `status IN ('queued', 'sent')`;

/** The series of subscription `s` still has the rule (?3 is keyed by the series with one). */
const ruleOn = `json_type(?3, '$."' || s.series || '"') IS NOT NULL`;

/** At the grace's end, what becomes of a sent check (null: its reader's part is in flight, decided next tick). */
const graceOutcome = `(SELECT CASE WHEN coalesce(s.signal_at, 0) >= reading_checks.created_at THEN 'read'
    WHEN s.status <> 'active' OR NOT ${ruleOn} THEN 'closed' WHEN s.batch_id IS NULL THEN 'paused' END
  FROM subscriptions s WHERE s.id = reading_checks.subscription_id)`;

/** A counter of series_days for the check's reader today (?2 now), bumped only where `condition` holds. */
const countDay = (column: string, from: string, condition: string) => `INSERT INTO series_days (series, day, ${column})
  SELECT s.series, ${dayOf("?2")}, count(*) FROM reading_checks c JOIN subscriptions s ON s.id = c.subscription_id
  WHERE ${from} AND ${condition} GROUP BY s.series
  ON CONFLICT (series, day) DO UPDATE SET ${column} = ${column} + excluded.${column}`;

export const reengageSql = {
  /**
   * At record time, before the batch's readers advance (delivery/record-batch.ts): ?1 batch id, ?2 now, ?3 JSON
   * {"<series>": afterParts}, ?4 the record's JSON {"<subscription id>": {"part": id sent, …}}, ?5 when to ask.
   * A reader whose part just sent completes a streak without a sign of reading gets one queued check; never a
   * second while one is open (the unique partial index says so too).
   */
  askReaders: `INSERT INTO reading_checks (subscription_id, subscriber_id, series, delivery_id, quiet_parts, status, next_at, created_at)
    SELECT s.id, s.subscriber_id, s.series, d.id, s.quiet_parts + 1, 'queued', ?5, ?2
    FROM subscriptions s JOIN deliveries d ON d.subscription_id = s.id AND d.part_id = json_extract(?4, '$."' || s.id || '".part')
    WHERE s.batch_id = ?1 AND s.status = 'active' AND s.quiet_parts + 1 >= json_extract(?3, '$."' || s.series || '"')
      AND NOT EXISTS (SELECT 1 FROM reading_checks c WHERE c.subscription_id = s.id AND c.${OPEN})
    ON CONFLICT DO NOTHING`,

  /** ?1 now, ?2 limit: queued checks due, oldest first, with what deciding and sending them needs. */
  dueChecks: `SELECT c.id, c.subscription_id AS subscriptionId, c.series, c.delivery_id AS deliveryId,
      c.attempts, c.first_tried_at AS firstTriedAt, c.created_at AS createdAt,
      s.status AS subscriptionStatus, s.signal_at AS signalAt, p.status AS readerStatus, p.email, p.name, p.timezone
    FROM reading_checks c JOIN subscriptions s ON s.id = c.subscription_id JOIN subscribers p ON p.id = c.subscriber_id
    WHERE c.${OPEN} AND c.status = 'queued' AND c.next_at <= ?1 ORDER BY c.next_at LIMIT ?2`,
  /** ?1 now, ?2 limit: sent checks whose deadline has passed, oldest first. */
  deadlinesPassed: `SELECT id, subscription_id AS subscriptionId, created_at AS createdAt FROM reading_checks
    WHERE ${OPEN} AND status = 'sent' AND next_at <= ?1 ORDER BY next_at LIMIT ?2`,

  /** Series paused by the complaint guard or the admin (one row a series): their checks wait too. */
  pausedSeries: `SELECT series FROM series_state WHERE paused_at IS NOT NULL`,
  /** ?1 check id, ?2 lease until, ?3 now. Two overlapping ticks never send one check at once. */
  leaseCheck: `UPDATE reading_checks SET next_at = ?2 WHERE id = ?1 AND status = 'queued' AND next_at <= ?3 RETURNING id`,
  /** ?1 check id, ?2 now, ?3 new status ('read': a sign of reading came; 'closed': the subscription ended). Not sent. */
  dropCheck: `UPDATE reading_checks SET status = ?3, answered_at = ?2, next_at = NULL WHERE id = ?1 AND status = 'queued'`,
  /** ?1 check id, ?2 when to try again. Not tried (no provider slot, outside the send window): no attempt counted. */
  holdCheck: `UPDATE reading_checks SET next_at = ?2 WHERE id = ?1 AND status = 'queued'`,
  /** ?1 check id, ?2 now: the provider took the email (before markSent, which it guards). */
  countAsked: countDay("reengage_asked", "c.id = ?1", "c.status = 'queued'"),
  /** ?1 check id, ?2 now, ?3 its deadline, ?4 the provider's id (null: presumed sent, see send-reading-checks.ts). */
  markSent: `UPDATE reading_checks SET status = 'sent', attempts = attempts + 1, first_tried_at = coalesce(first_tried_at, ?2),
      sent_at = ?2, next_at = ?3, provider_message_id = ?4, error = NULL
    WHERE id = ?1 AND status = 'queued'`,
  /** ?1 check id, ?2 now, ?3 retry at (null: given up, failed), ?4 error. Same idempotency key next time. */
  markNotSent: `UPDATE reading_checks SET status = CASE WHEN ?3 IS NULL THEN 'failed' ELSE 'queued' END, attempts = attempts + 1,
      first_tried_at = coalesce(first_tried_at, ?2), next_at = ?3, error = ?4
    WHERE id = ?1 AND status = 'queued'`,

  /**
   * The grace's end, one transaction over ?1 JSON [check id, …] (sent, deadline passed), ?2 now, ?3 JSON
   * {"<series>": reason}, ?4 JSON {"<subscription id>": when its check was created}: count the readers to pause,
   * close each check (read, closed, or paused), then pause the subscriptions whose check just closed as paused.
   * A sign of reading since the check was created keeps the reader going; a series whose rule was removed closes
   * its checks; a part in flight waits for the next tick.
   */
  countPaused: countDay(
    "reengage_paused",
    "c.id IN (SELECT value FROM json_each(?1))",
    `c.status = 'sent' AND c.next_at <= ?2 AND s.status = 'active' AND s.batch_id IS NULL AND coalesce(s.signal_at, 0) < c.created_at AND ${ruleOn}`,
  ),
  closeChecks: `UPDATE reading_checks SET status = ${graceOutcome}, answered_at = ?2, next_at = NULL
    WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'sent' AND next_at <= ?2 AND ${graceOutcome} IS NOT NULL
    RETURNING status`,
  pauseReaders: `UPDATE subscriptions SET status = 'paused', set_aside_reason = json_extract(?3, '$."' || series || '"'), updated_at = ?2
    WHERE id IN (SELECT subscription_id FROM reading_checks WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'paused' AND answered_at = ?2)
      AND status = 'active' AND batch_id IS NULL AND coalesce(signal_at, 0) < json_extract(?4, '$."' || id || '"')`,

  /** ?1 check id: the keep page's read (the check, and its subscription as it is now). */
  findCheck: `SELECT c.id, c.status, c.series, c.subscription_id AS subscriptionId, s.status AS subscriptionStatus
    FROM reading_checks c LEFT JOIN subscriptions s ON s.id = c.subscription_id WHERE c.id = ?1`,
  /**
   * The keep button, one transaction: ?1 check id, ?2 now. Counted while it still keeps someone (the check open
   * or its pause standing, the subscription not ended), then a subscription it paused resumes, the streak starts
   * again (signalReading), and the check closes as kept.
   */
  countKept: countDay(
    "reengage_kept",
    "c.id = ?1",
    `c.status IN ('queued', 'sent', 'paused') AND s.status IN ('active', 'paused')`,
  ),
  resumeKept: `UPDATE subscriptions SET status = 'active', set_aside_reason = NULL, updated_at = ?2
    WHERE id = (SELECT subscription_id FROM reading_checks WHERE id = ?1 AND status = 'paused') AND status = 'paused'`,
  markKept: `UPDATE reading_checks SET status = 'kept', answered_at = ?2, next_at = NULL
    WHERE id = ?1 AND status IN ('queued', 'sent', 'paused')
      AND EXISTS (SELECT 1 FROM subscriptions s WHERE s.id = reading_checks.subscription_id AND s.status IN ('active', 'paused'))`,

  /** ?1 subscriber id: their checks, newest first (their admin page and data). */
  readerChecks: `SELECT id, subscription_id AS subscriptionId, series, status, quiet_parts AS quietParts, attempts,
      created_at AS createdAt, sent_at AS sentAt, next_at AS nextAt, answered_at AS answeredAt
    FROM reading_checks WHERE subscriber_id = ?1 ORDER BY id DESC`,
} as const;

/**
 * A sign of reading: the streak of the subscriptions `subscriptionIds` (a subquery) starts again, at `at` (SQL).
 * Clicks, responses, keep and opens where they count come through here. A streak already at 0 is left alone (no
 * row written): an open check always has a streak above 0 or a sign since it was asked.
 */
export const signalReading = (subscriptionIds: string, at: string) =>
  `UPDATE subscriptions SET quiet_parts = 0, signal_at = max(coalesce(signal_at, 0), ${at}) WHERE id IN (${subscriptionIds}) AND quiet_parts > 0`;

/** The keep button's sign of reading (keep-reading.ts), in its transaction: ?1 check id, ?2 now. */
export const signalKeptSql = signalReading("SELECT subscription_id FROM reading_checks WHERE id = ?1", "?2");

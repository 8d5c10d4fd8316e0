/**
 * Every statement retention runs, in one place so tests/retention/query-plans.test.ts can prove each is served
 * by an index. In each, ?1 is the cutoff (rows at or before it go) and ?2 the chunk size: every statement picks
 * its rows oldest first through an index, under a LIMIT, so a run is a fixed number of bounded statements.
 */
import { outcomeLetter } from "../delivery/delivery-archive";
import { DAY_MS } from "../lib/durations";

/** Sent batches old enough to slim, oldest first (batches_sent_at_idx); ?2 batches of ≤ 100 deliveries. */
const OLD_BATCHES = `SELECT id FROM batches WHERE status = 'sent' AND sent_at <= ?1 ORDER BY sent_at LIMIT ?2`;
/** Deliveries row `d` is in one of them (deliveries_batch_id_idx): only sent ones exist in a sent batch. */
const slimmed = (d: string) => `${d}.batch_id IN (${OLD_BATCHES}) AND ${d}.status = 'sent'`;

/**
 * Never-confirmed readers past the window, oldest first (subscribers_pending_created_at_idx): no consent given
 * or confirmed since the cutoff, no subscription that ever got going. Each purge statement re-reads the same set.
 */
const PURGEABLE = `SELECT p.id FROM subscribers p INDEXED BY subscribers_pending_created_at_idx
  WHERE p.status = 'pending' AND p.created_at <= ?1 AND p.confirmed_at IS NULL
    AND NOT EXISTS (SELECT 1 FROM consents c WHERE c.subscriber_id = p.id AND (c.confirmed_at IS NOT NULL OR c.created_at > ?1))
    AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE s.subscriber_id = p.id AND (s.status <> 'pending' OR s.last_part_id IS NOT NULL))
  ORDER BY p.created_at LIMIT ?2`;

/** The oldest import finished before the cutoff (import_jobs_finished_at_idx). */
const OLD_IMPORT = `(SELECT id FROM import_jobs WHERE finished_at IS NOT NULL AND finished_at <= ?1 ORDER BY finished_at LIMIT 1)`;

/** One probe per table, run together first: an idle run is these eight index probes and nothing else. */
export const retentionProbeSql = {
  webhookEvents: `SELECT 1 FROM webhook_events WHERE received_at <= ?1 LIMIT 1`,
  deliveries: `SELECT 1 FROM batches WHERE status = 'sent' AND sent_at <= ?1 LIMIT 1`,
  clicks: `SELECT 1 FROM clicks c WHERE c.created_at <= ?1 AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = c.delivery_id) LIMIT 1`,
  /** ?2 = 1. */
  pendingSignups: PURGEABLE,
  imports: `SELECT 1 FROM import_jobs WHERE finished_at IS NOT NULL AND finished_at <= ?1 LIMIT 1`,
  outbox: `SELECT 1 FROM outbox WHERE created_at <= ?1 LIMIT 1`,
  feedbackDeadLetters: `SELECT 1 FROM feedback_dead_letters WHERE dead_at <= ?1 LIMIT 1`,
  rateCounters: `SELECT 1 FROM rate_counters WHERE window_start <= ?1 LIMIT 1`,
} as const;

export const retentionSql = {
  /** Past the dedupe window a redelivery can no longer come (Resend retries for ~32 h). */
  webhookEvents: `DELETE FROM webhook_events WHERE id IN
    (SELECT id FROM webhook_events WHERE received_at <= ?1 ORDER BY received_at LIMIT ?2)`,

  /**
   * Slimming, one transaction per chunk, in this order. The parts the chunk carries get their small number,
   * then each run of consecutive ids of one batch and part becomes one delivery_archive row (ids → readers).
   */
  refParts: `INSERT INTO part_refs (series, part_id) SELECT DISTINCT series, part_id FROM deliveries WHERE ${slimmed("deliveries")}
    ON CONFLICT DO NOTHING`,
  archiveRuns: `INSERT INTO delivery_archive (first_id, part_ref, sent_at, subscription_ids)
    SELECT min(id), part_ref, min(sent_at), unhex(group_concat(printf('%08x', subscription_id), '' ORDER BY id))
    FROM (SELECT d.id, d.subscription_id, d.sent_at, d.batch_id, r.id AS part_ref,
        d.id - row_number() OVER (PARTITION BY d.batch_id, r.id ORDER BY d.id) AS run
      FROM deliveries d JOIN part_refs r ON r.part_id = d.part_id AND r.series = d.series
      WHERE ${slimmed("d")})
    GROUP BY batch_id, part_ref, run`,
  /** Each reader's received parts grow by what the chunk slims, with its outcome and day (the guard and history). */
  receiveParts: `INSERT INTO received_parts (subscription_id, parts)
    SELECT d.subscription_id, ',' || group_concat(r.id || ${outcomeLetter("d")} || (d.sent_at / ${DAY_MS}), ',' ORDER BY d.id)
    FROM deliveries d JOIN part_refs r ON r.part_id = d.part_id AND r.series = d.series
    WHERE ${slimmed("d")}
    GROUP BY d.subscription_id
    ON CONFLICT (subscription_id) DO UPDATE SET parts = parts || excluded.parts`,
  /** A bounce's or complaint's event keeps the delivery id in its data (the row it pointed at goes). */
  detachEvents: `UPDATE events SET data = json_set(coalesce(data, '{}'), '$.deliveryId', delivery_id), delivery_id = NULL
    WHERE delivery_id IN (SELECT id FROM deliveries WHERE ${slimmed("deliveries")})`,
  deleteDeliveries: `DELETE FROM deliveries WHERE ${slimmed("deliveries")}`,
  deleteBatches: `DELETE FROM batches WHERE id IN (${OLD_BATCHES})
    AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.batch_id = batches.id)`,

  /** Clicks past the window whose delivery was slimmed (its outcome says whether a person clicked). */
  clicks: `DELETE FROM clicks WHERE id IN (SELECT c.id FROM clicks c WHERE c.created_at <= ?1
      AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = c.delivery_id) ORDER BY c.created_at LIMIT ?2)`,

  /** Never-confirmed signups and everything that hangs off them, children first. */
  purgeEvents: `DELETE FROM events WHERE subscriber_id IN (${PURGEABLE})`,
  purgeConsents: `DELETE FROM consents WHERE subscriber_id IN (${PURGEABLE})`,
  purgeSubscriptions: `DELETE FROM subscriptions WHERE subscriber_id IN (${PURGEABLE})`,
  purgeSubscribers: `DELETE FROM subscribers WHERE id IN (${PURGEABLE})`,

  /** An import's report, a chunk of rows at a time; its chunks and the job itself once no row is left. */
  importRows: `DELETE FROM import_rows WHERE rowid IN (SELECT rowid FROM import_rows WHERE job_id = ${OLD_IMPORT} LIMIT ?2)`,
  importChunks: `DELETE FROM import_chunks WHERE job_id = ${OLD_IMPORT}
    AND NOT EXISTS (SELECT 1 FROM import_rows WHERE job_id = ${OLD_IMPORT})`,
  importJob: `DELETE FROM import_jobs WHERE id = ${OLD_IMPORT}
    AND NOT EXISTS (SELECT 1 FROM import_rows WHERE job_id = import_jobs.id)
    AND NOT EXISTS (SELECT 1 FROM import_chunks WHERE job_id = import_jobs.id)`,

  /** The local mailer's messages (npm start, tests): whole emails, so a short window. */
  outbox: `DELETE FROM outbox WHERE id IN (SELECT id FROM outbox WHERE created_at <= ?1 ORDER BY created_at LIMIT ?2)`,

  /** Events the feedback queue gave up on, once the operator has had their window to look at them. */
  feedbackDeadLetters: `DELETE FROM feedback_dead_letters WHERE rowid IN
    (SELECT rowid FROM feedback_dead_letters WHERE dead_at <= ?1 ORDER BY dead_at LIMIT ?2)`,

  /** Shared counters (mail/shared-slot.ts) whose window started before the cutoff: one row per domain ever seen. */
  rateCounters: `DELETE FROM rate_counters WHERE rowid IN
    (SELECT rowid FROM rate_counters WHERE window_start <= ?1 ORDER BY window_start LIMIT ?2)`,
} as const;

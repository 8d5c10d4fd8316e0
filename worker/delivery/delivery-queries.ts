/**
 * Every SQL statement of the delivery cycle, in one place so tests/delivery/query-plans.test.ts can prove with
 * EXPLAIN QUERY PLAN that none scans a whole table. Hand-written SQL (not drizzle's builder) because the cycle
 * needs UPDATE … RETURNING claims, json_each joins (D1 allows 100 bound parameters; a batch has 100 rows) and
 * D1's per-statement metering.
 */
import { receivedBefore } from "./delivery-archive";

/**
 * Due subscriptions, oldest first; served by the partial index subscriptions_due_at_idx. The reader must be
 * active too (a bounce or complaint stops every series at once: one primary-key probe per candidate). `paused`
 * names the parameter that says whether any series is paused: only then are candidates checked against
 * series_state, which costs another read per candidate.
 */
const due = (paused: string) => `status = 'active' AND batch_id IS NULL AND due_at IS NOT NULL AND due_at <= ?2
  AND EXISTS (SELECT 1 FROM subscribers p WHERE p.id = subscriptions.subscriber_id AND p.status = 'active')
  AND (${paused} = 0 OR series NOT IN (SELECT series FROM series_state WHERE paused_at IS NOT NULL))`;

/** The part id at 0-based `index` of `series` in the order JSON `order` (null past the end). */
const partAt = (order: string, series: string, index: string) =>
  `json_extract(${order}, '$."' || ${series} || '"[' || (${index}) || ']')`;
/** A field of this subscription's entry in advanceSubscriptions' ?5. */
const sent = (field: string) => `json_extract(?5, '$."' || subscriptions.id || '".${field}')`;
/**
 * This subscription has no delivery of part `partId`: a probe of deliveries_subscription_id_part_id_idx, and of
 * the compact form retention moved older deliveries to (deliveries/delivery-archive.ts).
 */
const unreceived = (partId: string) =>
  `NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.subscription_id = subscriptions.id AND d.part_id = ${partId})
    AND NOT ${receivedBefore("subscriptions.id", partId)}`;

/**
 * A claimed email of a reader with a preferred hour is held for it only while it has been due for less than this:
 * past it (a backlog, an outage) it goes at once instead of a day later.
 */
export const HOLD_FOR_HOUR_MS = 60 * 60 * 1000;

/**
 * A resumed subscription's next due time (`now`, the catalog's `order`): its due time, not earlier than now, or
 * now when it was caught up and a part came out meanwhile (the cycle wakes only active readers).
 */
export const resumedDueAt = (now: string, order: string) =>
  `CASE WHEN due_at IS NOT NULL THEN max(due_at, ${now})
    WHEN batch_id IS NULL AND next_part <= json_array_length(${order}, '$."' || series || '"') THEN ${now} END`;

export const sql = {
  /**
   * ?1 batch id, ?2 now, ?3 limit, ?4 any series paused (1/0). Atomic: two overlapping cycles cannot take the
   * same row.
   */
  claimDue: `UPDATE subscriptions SET batch_id = ?1, updated_at = ?2
    WHERE id IN (SELECT id FROM subscriptions WHERE ${due("?4")} ORDER BY due_at LIMIT ?3)`,
  /** … ?4 series, ?5 any series paused. */
  claimDueInSeries: `UPDATE subscriptions SET batch_id = ?1, updated_at = ?2
    WHERE id IN (SELECT id FROM subscriptions WHERE ${due("?5")} AND series = ?4 ORDER BY due_at LIMIT ?3)`,
  /** … ?4 subscriber id, ?5 any series paused. */
  claimDueForSubscriber: `UPDATE subscriptions SET batch_id = ?1, updated_at = ?2
    WHERE id IN (SELECT id FROM subscriptions WHERE subscriber_id = ?4 AND ${due("?5")} LIMIT ?3)`,

  /** ?1 any series paused, ?2 now. One index probe: an idle tick stops here instead of opening a claim transaction. */
  anyDue: `SELECT 1 AS due FROM subscriptions WHERE ${due("?1")} LIMIT 1`,

  /**
   * ?1 batch id, ?2 now, ?3 the catalog's order (CatalogIndex.orderJson). One delivery per claimed row, recipient
   * snapshotted for byte-identical retries, and the id of the part at the reader's position snapshotted too: the
   * batch records the part it carries even if a deploy reorders the series meanwhile ('' = no part there). The
   * reader's preferred hour goes along for the claim to hold the email for, unless they asked for this part now
   * or it has waited an hour already (a backlog must not cost them a day).
   */
  insertDeliveries: `INSERT INTO deliveries
      (subscription_id, subscriber_id, series, part_id, part_number, batch_id, status, to_email, to_name, timezone, send_hour, created_at)
    SELECT s.id, s.subscriber_id, s.series, coalesce(${partAt("?3", "s.series", "s.next_part - 1")}, ''), s.next_part, ?1,
      'claimed', p.email, p.name, p.timezone,
      CASE WHEN s.asked_at = s.due_at OR s.due_at < ?2 - ${HOLD_FOR_HOUR_MS} THEN NULL ELSE s.send_hour END, ?2
    FROM subscriptions s JOIN subscribers p ON p.id = s.subscriber_id
    WHERE s.batch_id = ?1`,

  /** ?1 batch id, ?2 now, ?3 lease until, ?4 attempts (1 = frozen now: sent inline right away). */
  insertBatch: `INSERT INTO batches (id, status, attempts, lease_until, created_at)
    SELECT ?1, 'claimed', ?4, ?3, ?2 WHERE EXISTS (SELECT 1 FROM deliveries WHERE batch_id = ?1)`,

  /** ?1 batch id, ?2 the current time, ?3 new lease. Freezes the members (attempts > 0) and takes the lease. */
  takeBatch: `UPDATE batches SET attempts = attempts + 1, lease_until = ?3
    WHERE id = ?1 AND status = 'claimed' RETURNING attempts, created_at AS createdAt`,
  takeExpiredBatch: `UPDATE batches SET attempts = attempts + 1, lease_until = ?3
    WHERE id = ?1 AND status = 'claimed' AND lease_until <= ?2 RETURNING attempts, created_at AS createdAt`,

  /** ?1 batch id. Cheaper than RETURNING on the insert (which D1 meters at two extra reads a row). */
  batchMembers: `SELECT id, subscription_id AS subscriptionId, subscriber_id AS subscriberId, series,
      part_id AS partId, part_number AS partNumber, to_email AS toEmail, to_name AS toName, timezone, send_hour AS sendHour
    FROM deliveries WHERE batch_id = ?1 AND status = 'claimed' ORDER BY id`,

  /** ?1 now, ?2 limit: batches whose owner died or whose provider answer was unknown. */
  expiredBatches: `SELECT id FROM batches WHERE status = 'claimed' AND lease_until <= ?1 ORDER BY lease_until LIMIT ?2`,

  /**
   * ?1 JSON {"deliveryId": "providerMessageId", …}, ?2 now, ?3 batch id. Rows are found through the batch index
   * and their values looked up by key (an UPDATE … FROM json_each join would scan the table instead).
   */
  markDeliveriesSent: `UPDATE deliveries SET status = 'sent', sent_at = ?2,
      provider_message_id = json_extract(?1, '$."' || id || '"')
    WHERE batch_id = ?3 AND status = 'claimed'`,

  /**
   * ?1 series, ?2 part, ?3 emails, ?4 batch id: the part's sent counter, before markDeliveriesSent in the same
   * transaction. Counts only while the batch still has claimed rows, so recording a batch twice counts it once.
   */
  countSent: `INSERT INTO part_stats (series, part_id, sent) SELECT ?1, ?2, ?3
    WHERE EXISTS (SELECT 1 FROM deliveries WHERE batch_id = ?4 AND status = 'claimed')
    ON CONFLICT (series, part_id) DO UPDATE SET sent = sent + excluded.sent`,

  /**
   * ?1 JSON {"subscriptionId": nextDueAt | null, …}, ?2 now, ?3 batch id, ?4 the catalog's order, ?5 JSON
   * {"subscriptionId": {"part": id sent, "at": its position today, "next": id of the part after it}, …}.
   * Idempotent via batch_id. The next position is the first part the reader has not received: when the cached
   * position is the sent part's (everything before it received) and the part after it is new to them or there is
   * none (the usual cases), at most one probe says so; otherwise (parts inserted or moved behind them meanwhile)
   * the order is searched from the cached position, and a reader whose sent part is last but who misses one
   * inserted earlier is due for it now. Each reader's streak of parts without a sign of reading grows by one.
   */
  advanceSubscriptions: `UPDATE subscriptions SET
      next_part = CASE WHEN next_part = ${sent("at")} AND (${sent("next")} IS NULL OR ${unreceived(sent("next"))})
        THEN next_part + 1
        ELSE coalesce((SELECT o.key + 1 FROM json_each(?4, '$."' || series || '"') o
          WHERE o.key >= next_part - 1 AND o.value IS NOT ${sent("part")} AND ${unreceived("o.value")}
          LIMIT 1), json_array_length(?4, '$."' || series || '"') + 1, next_part + 1) END,
      last_part_id = ${sent("part")}, batch_id = NULL, last_sent_at = ?2, updated_at = ?2, refusals = 0, quiet_parts = quiet_parts + 1,
      due_at = CASE WHEN status = 'active' THEN coalesce(json_extract(?1, '$."' || id || '"'), CASE WHEN next_part <> ${sent("at")}
        THEN (SELECT ?2 FROM json_each(?4, '$."' || series || '"') o WHERE ${unreceived("o.value")} LIMIT 1) END) END
    WHERE batch_id = ?3`,

  /** ?1 batch id, ?2 now. */
  markBatchSent: `UPDATE batches SET status = 'sent', sent_at = ?2, last_error = NULL WHERE id = ?1`,

  /**
   * ?1 JSON {"subscriptionId": reason, …}, ?2 now, ?3 batch id, ?4 retry at, ?5 refusals that set a reader
   * aside. Readers the provider refused inside an accepted (permissive) batch: out of the batch before it is
   * recorded, due again later, or stopped with the reason after repeated refusals. (SET reads the old row.)
   */
  refuseSubscriptions: `UPDATE subscriptions SET batch_id = NULL, updated_at = ?2, refusals = refusals + 1,
      status = CASE WHEN refusals + 1 >= ?5 AND status = 'active' THEN 'stopped' ELSE status END,
      set_aside_reason = CASE WHEN refusals + 1 >= ?5 THEN json_extract(?1, '$."' || id || '"') ELSE set_aside_reason END,
      due_at = CASE WHEN status = 'active' AND refusals + 1 < ?5 THEN ?4 END
    WHERE batch_id = ?3 AND json_type(?1, '$."' || id || '"') IS NOT NULL
    RETURNING refusals >= ?5 AS setAside`,

  /** ?1 batch id, ?2 lease until, ?3 error. Unknown outcome: retried later under the same key. */
  postponeBatch: `UPDATE batches SET lease_until = ?2, last_error = ?3 WHERE id = ?1 AND status = 'claimed'`,

  /** ?1 JSON [deliveryId, …]: members put back (outside the send window, or their part is gone). */
  deleteDeliveries: `DELETE FROM deliveries WHERE id IN (SELECT value FROM json_each(?1)) AND status = 'claimed'`,
  /**
   * ?1 JSON {"subscriptionId": dueAt | null, …}, ?2 now, ?3 batch id. A part the reader asked for stays asked for
   * at its new time (held by the window only, not by their hour).
   */
  rescheduleSubscriptions: `UPDATE subscriptions SET batch_id = NULL, updated_at = ?2,
      due_at = CASE WHEN status = 'active' THEN json_extract(?1, '$."' || id || '"') END,
      asked_at = CASE WHEN asked_at = due_at AND status = 'active' THEN json_extract(?1, '$."' || id || '"') ELSE asked_at END
    WHERE batch_id = ?3 AND json_type(?1, '$."' || id || '"') IS NOT NULL`,

  /**
   * Release a batch the provider definitely did not accept: its rows go back to the due index as they were.
   * ?1 batch id, ?2 the attempt that was refused. Only if no other attempt started meanwhile (a duplicate queue
   * message, a recovery): that one may have been accepted, so the batch must stay as it is.
   */
  releaseDeliveries: `DELETE FROM deliveries WHERE batch_id = ?1 AND status = 'claimed'
    AND EXISTS (SELECT 1 FROM batches WHERE id = ?1 AND status = 'claimed' AND attempts = ?2)`,
  releaseSubscriptions: `UPDATE subscriptions SET batch_id = NULL WHERE batch_id = ?1
    AND EXISTS (SELECT 1 FROM batches WHERE id = ?1 AND status = 'claimed' AND attempts = ?2)`,
  releaseBatch: `DELETE FROM batches WHERE id = ?1 AND status = 'claimed' AND attempts = ?2`,
  deleteBatch: `DELETE FROM batches WHERE id = ?1`,

  /** ?1 batch id, ?2 now, ?3 error, ?4 retry at: rejected by the provider; readers retried much later. */
  failDeliveries: `DELETE FROM deliveries WHERE batch_id = ?1 AND status = 'claimed'`,
  failSubscriptions: `UPDATE subscriptions SET batch_id = NULL, due_at = CASE WHEN status = 'active' THEN ?4 END,
      updated_at = ?2 WHERE batch_id = ?1`,
  failBatch: `UPDATE batches SET status = 'failed', last_error = ?3, sent_at = ?2, set_aside_at = ?2
    WHERE id = ?1 AND status = 'claimed'`,

  /**
   * ?1 batch id, ?2 now, ?3 error. Refused on a retry after an unknown outcome: the first attempt may have been
   * delivered, so the readers stay held by this batch (never re-claimed for that part under a new key).
   */
  failDeliveriesAfterUnknown: `UPDATE deliveries SET status = 'failed' WHERE batch_id = ?1 AND status = 'claimed'`,
  failBatchAfterUnknown: `UPDATE batches SET status = 'failed_after_unknown', last_error = ?3, set_aside_at = ?2
    WHERE id = ?1 AND status = 'claimed'`,

  /**
   * Dead-lettered by the queue. ?1 batch id, ?2 now, ?3 reason. Never attempted: its readers go back in line as
   * they were. Attempted: it may have been delivered, so its readers stay held by it, marked failed.
   */
  releaseDeadDeliveries: `DELETE FROM deliveries WHERE batch_id = ?1 AND status = 'claimed'
    AND EXISTS (SELECT 1 FROM batches WHERE id = ?1 AND status = 'claimed' AND attempts = 0)`,
  releaseDeadSubscriptions: `UPDATE subscriptions SET batch_id = NULL, updated_at = ?2 WHERE batch_id = ?1
    AND EXISTS (SELECT 1 FROM batches WHERE id = ?1 AND status = 'claimed' AND attempts = 0)`,
  failDeadDeliveries: `UPDATE deliveries SET status = 'failed' WHERE batch_id = ?1 AND status = 'claimed'
    AND EXISTS (SELECT 1 FROM batches WHERE id = ?1 AND status = 'claimed' AND attempts > 0)`,
  markBatchDead: `UPDATE batches SET status = 'dead', set_aside_at = ?2,
      last_error = ?3 || coalesce(' (last error: ' || last_error || ')', '')
    WHERE id = ?1 AND status = 'claimed' RETURNING attempts`,

  /**
   * ?1 provider, ?2 the current time, ?3 ms between calls, ?4 how far ahead a slot may be booked. The team-wide
   * rate limit (GCRA, one row): returns the booked slot, or no row when the next free one is too far ahead.
   */
  takeProviderSlot: `INSERT INTO provider_slots (provider, next_slot_at) VALUES (?1, ?2 + ?3)
    ON CONFLICT (provider) DO UPDATE SET next_slot_at = max(next_slot_at, ?2) + ?3
      WHERE max(next_slot_at, ?2) <= ?2 + ?4
    RETURNING next_slot_at - ?3 AS slotAt`,

  /**
   * ?1 now, ?2 the catalog's order, ?3 limit: pauses that ended (subscriptions_paused_until_idx), oldest first.
   * The reader keeps their place (resumedDueAt). A row that left its pause another way (resumed, unsubscribed)
   * only loses its date, so the index holds nothing stale for long.
   */
  resumePaused: `UPDATE subscriptions SET paused_until = NULL,
      due_at = CASE WHEN status = 'paused' THEN ${resumedDueAt("?1", "?2")} ELSE due_at END,
      updated_at = CASE WHEN status = 'paused' THEN ?1 ELSE updated_at END,
      status = CASE WHEN status = 'paused' THEN 'active' ELSE status END
    WHERE id IN (SELECT id FROM subscriptions WHERE paused_until <= ?1 ORDER BY paused_until LIMIT ?3)`,

  /** Each series' part ids as last seen, to reposition and wake its readers once when they change; and which are paused. */
  seriesState: `SELECT series, part_count AS partCount, part_ids AS partIds, paused_at IS NOT NULL AS paused FROM series_state`,
  /**
   * ?1 former slug, ?2 slug, ?3 now: a renamed series' readers move to its slug (a reader already subscribed
   * under both keeps the old row, still served through the alias).
   */
  renameSubscriptions: `UPDATE OR IGNORE subscriptions SET series = ?2, updated_at = ?3 WHERE series = ?1`,
  renamePartStats: `UPDATE OR IGNORE part_stats SET series = ?2 WHERE series = ?1`,
  forgetSeriesState: `DELETE FROM series_state WHERE series = ?1`,
  /**
   * ?1 series, ?2 its ordered part ids (JSON array), ?3 now. After an insert, removal or reorder: every reader's
   * position becomes the first part, in the new order, they have not received (a claimed delivery counts as
   * received: its batch is in flight). One probe per part per reader, once per catalog change.
   */
  repositionSeries: `UPDATE subscriptions SET updated_at = ?3,
      next_part = coalesce((SELECT o.key + 1 FROM json_each(?2) o WHERE ${unreceived("o.value")} LIMIT 1), json_array_length(?2) + 1)
    WHERE series = ?1`,
  /** ?1 series, ?2 part count, ?3 now: readers who had every part and now have one to receive. */
  wakeCaughtUp: `UPDATE subscriptions SET due_at = ?3, updated_at = ?3
    WHERE series = ?1 AND status = 'active' AND due_at IS NULL AND batch_id IS NULL AND next_part <= ?2`,
  /** ?1 series, ?2 part count, ?3 now, ?4 part ids (JSON array). */
  saveSeriesState: `INSERT INTO series_state (series, part_count, part_ids, updated_at) VALUES (?1, ?2, ?4, ?3)
    ON CONFLICT (series) DO UPDATE SET part_count = excluded.part_count, part_ids = excluded.part_ids, updated_at = excluded.updated_at`,

  /** Dry run: what is due, per part, without claiming. ?1 any series paused, ?2 now. */
  dueByPart: `SELECT series, next_part AS partNumber, count(*) AS due FROM subscriptions WHERE ${due("?1")}
    GROUP BY series, next_part`,
  /** ?1 subscriber id, ?2 now, ?3 any series paused. */
  dueByPartForSubscriber: `SELECT series, next_part AS partNumber, count(*) AS due FROM subscriptions
    WHERE subscriber_id = ?1 AND ${due("?3")} GROUP BY series, next_part`,
} as const;

export interface BatchMember {
  id: number;
  subscriptionId: number;
  subscriberId: number;
  series: string;
  /** The part this delivery carries (snapshotted at claim). */
  partId: string;
  /** Its position when claimed (informational). */
  partNumber: number;
  toEmail: string;
  toName: string | null;
  timezone: string | null;
  /** The hour the claim holds this email for (deliveries.send_hour); absent or null: none. */
  sendHour?: number | null;
}

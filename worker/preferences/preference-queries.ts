/**
 * Every statement of the reader's preference page (its read and each press), in one place so
 * tests/routes/preferences-query-plans.test.ts can prove none scans a list table.
 */
import { hasPart } from "../delivery/delivery-archive";
import { resumedDueAt } from "../delivery/delivery-queries";

/** The type of the events a "next part now" press records: the daily cap counts them. */
export const NEXT_PART_NOW_EVENT = "next_part_now";

/**
 * ?1 subscription id, ?2 now minus a day. One round trip, each an index probe or a walk of this reader's own rows
 * (and part_refs, one row per part).
 */
export const readPreferencesSql = {
  subscription: `SELECT s.id AS subscriptionId, s.subscriber_id AS subscriberId, s.series, s.status, s.next_part AS nextPart,
      s.due_at AS dueAt, s.batch_id AS batchId, s.paused_until AS pausedUntil, s.send_hour AS sendHour, s.asked_at AS askedAt,
      s.last_sent_at AS lastSentAt, p.email, p.name, p.status AS readerStatus, p.timezone
    FROM subscriptions s JOIN subscribers p ON p.id = s.subscriber_id WHERE s.id = ?1`,
  received: `SELECT id AS deliveryId, part_id AS partId, sent_at AS sentAt, status FROM deliveries WHERE subscription_id = ?1 ORDER BY id`,
  /** What retention kept of its older deliveries (deliveries/delivery-archive.ts), by primary key. */
  receivedBefore: `SELECT parts FROM received_parts WHERE subscription_id = ?1`,
  /** The parts those name: part_refs has one row per part of the catalog, so this reads a small table whole. */
  partRefs: `SELECT id, part_id AS partId FROM part_refs
    WHERE EXISTS (SELECT 1 FROM received_parts rp WHERE rp.subscription_id = ?1 AND ${hasPart("rp.parts", "part_refs.id")})`,
  subscriptions: `SELECT id, series, status, next_part AS nextPart, send_hour AS sendHour FROM subscriptions
    WHERE subscriber_id = (SELECT subscriber_id FROM subscriptions WHERE id = ?1) ORDER BY id`,
  asks: `SELECT count(*) AS n, min(created_at) AS oldest FROM events
    WHERE subscriber_id = (SELECT subscriber_id FROM subscriptions WHERE id = ?1) AND created_at > ?2 AND type = '${NEXT_PART_NOW_EVENT}'`,
} as const;

/** ?1 reader, ?2 series, ?3 now. Every write after the consent's is guarded by it (this request recorded it). */
const joined =
  "EXISTS (SELECT 1 FROM consents WHERE subscriber_id = ?1 AND series = ?2 AND confirmed_at = ?3 AND form = 'preferences')";

export const joinSql = {
  /**
   * ?4 consent text version, ?5 ip hash, ?6 user-agent hash. Only for a reader whose address is proven (confirmed,
   * still reading) and who does not read this series yet. Confirmed at once: no email asks for a click.
   */
  recordConsent: `INSERT INTO consents (subscriber_id, series, form, consent_text_version, ip_hash, user_agent_hash, created_at, confirmed_at)
    SELECT ?1, ?2, 'preferences', ?4, ?5, ?6, ?3, ?3
    WHERE EXISTS (SELECT 1 FROM subscribers WHERE id = ?1 AND status IN ('active', 'paused') AND confirmed_at IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE subscriber_id = ?1 AND series = ?2 AND status IN ('active', 'paused'))`,
  /**
   * ?4 when its next part is due (part 1 for a new reader; a reader who left it before picks up where they left
   * off). A subscription whose last batch is still in flight gets its due time from that batch's record step.
   */
  activate: `INSERT INTO subscriptions (subscriber_id, series, status, next_part, due_at, created_at, updated_at)
    SELECT ?1, ?2, 'active', 1, ?4, ?3, ?3 WHERE ${joined}
    ON CONFLICT (subscriber_id, series) DO UPDATE SET status = 'active', updated_at = excluded.updated_at, refusals = 0,
      set_aside_reason = NULL, paused_until = NULL, due_at = CASE WHEN batch_id IS NULL THEN excluded.due_at ELSE due_at END
    RETURNING id`,
  recordEvent: `INSERT INTO events (subscriber_id, type, data, created_at) SELECT ?1, 'joined', ?4, ?3 WHERE ${joined}`,
} as const;

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

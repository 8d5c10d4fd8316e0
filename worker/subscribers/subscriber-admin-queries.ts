/**
 * The statements of the admin's reader verbs (list, detail, export, edit, erasure), in one place so
 * tests/retention/query-plans.test.ts and tests/subscribers/import-query-plans.test.ts can prove which indexes
 * serve them. The reader's own verbs (signup, confirm, unsubscribe) keep theirs in subscriber-queries.ts.
 */
import { hasPart, receivedBefore } from "../delivery/delivery-archive";
import { resumedDueAt } from "../delivery/delivery-queries";
import { reengageSql } from "../reengage/reengage-queries";
import type { ListSubscribersInput } from "./list-subscribers";

/** The deliveries of ?1's subscriptions (through their indexes): what clicks, responses and webhooks hang off. */
const THEIR_DELIVERIES = `SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id WHERE s.subscriber_id = ?1`;
/** The provider ids of ?1's confirmation emails (consents_subscriber_id_idx). */
export const THEIR_CONFIRMATIONS = `SELECT provider_message_id FROM consents WHERE subscriber_id = ?1 AND provider_message_id IS NOT NULL`;

/** ?1 JSON array of reader ids: their subscriptions (subscriptions_subscriber_id_series_idx, in its order). */
export const positionsSql = `SELECT subscriber_id AS subscriberId, series, status, next_part AS nextPart, due_at AS dueAt
  FROM subscriptions WHERE subscriber_id IN (SELECT value FROM json_each(?1)) ORDER BY subscriber_id, series`;

/** One page of readers, newest first, keyset on id: the filters the admin's list was asked for. */
export function listSubscribersQuery(input: ListSubscribersInput): { text: string; params: unknown[] } {
  const filters: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => `?${params.push(value)}`;
  if (input.status) filters.push(`status = ${param(input.status)}`);
  if (input.cursor !== undefined) filters.push(`id < ${param(input.cursor)}`);
  if (input.series !== undefined) {
    // A probe of subscriptions_subscriber_id_series_idx per reader walked, never a scan of subscriptions.
    filters.push(
      `EXISTS (SELECT 1 FROM subscriptions t WHERE t.subscriber_id = subscribers.id AND t.series = ${param(input.series)})`,
    );
  }
  if (input.q) {
    const pattern = param(`%${input.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    filters.push(`(email_key LIKE ${pattern} ESCAPE '\\' OR lower(name) LIKE ${pattern} ESCAPE '\\')`);
  }
  const text = `SELECT id, email, name, status, timezone, created_at AS createdAt, confirmed_at AS confirmedAt
    FROM subscribers ${filters.length ? `WHERE ${filters.join(" AND ")}` : ""}
    ORDER BY id DESC LIMIT ${param(input.limit + 1)}`;
  return { text, params };
}

/** ?1 the last reader id of the previous page, ?2 page size: one row per subscription (or one for a reader with none). */
export const exportPageSql = `SELECT s.id, s.email, s.name, s.status, s.timezone, s.created_at AS createdAt, s.confirmed_at AS confirmedAt,
    t.series, t.status AS subscriptionStatus, t.next_part AS nextPart, t.due_at AS dueAt
  FROM (SELECT * FROM subscribers WHERE id > ?1 ORDER BY id LIMIT ?2) s
  LEFT JOIN subscriptions t ON t.subscriber_id = s.id
  ORDER BY s.id, t.series`;

/** Everything held about one reader, by table: what the detail shows and the export hands over. */
export const subscriberDataSql = {
  subscriber: `SELECT id, email, name, status, timezone, created_at AS createdAt, updated_at AS updatedAt,
      confirmed_at AS confirmedAt, unsubscribed_at AS unsubscribedAt, referrer_id AS referrerId,
      suppressed_reason AS suppressedReason FROM subscribers WHERE id = ?1`,
  subscriptions: `SELECT id, series, status, next_part AS nextPart, due_at AS dueAt, last_sent_at AS lastSentAt,
      batch_id AS batchId, set_aside_reason AS setAsideReason, quiet_parts AS quietParts, signal_at AS signalAt,
      paused_until AS pausedUntil, send_hour AS sendHour,
      created_at AS createdAt, updated_at AS updatedAt
    FROM subscriptions WHERE subscriber_id = ?1 ORDER BY id`,
  /** Their "Still reading?" emails, newest first: shown with the subscription each belongs to. */
  readingChecks: reengageSql.readerChecks,
  deliveries: `SELECT id, series, part_id AS partId, part_number AS partNumber, status, to_email AS toEmail,
      to_name AS toName, created_at AS createdAt, sent_at AS sentAt, delivered_at AS deliveredAt, opened_at AS openedAt,
      human_clicked_at AS humanClickedAt, bounced_at AS bouncedAt, complained_at AS complainedAt
    FROM deliveries WHERE subscription_id IN (SELECT id FROM subscriptions WHERE subscriber_id = ?1) ORDER BY id`,
  clicks: `SELECT id, delivery_id AS deliveryId, series, part_id AS partId, link, scanner_reason AS scannerReason,
      created_at AS createdAt FROM clicks WHERE delivery_id IN
      (SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id WHERE s.subscriber_id = ?1) ORDER BY id`,
  // By reader (responses_subscriber_id_idx): responses to emails whose delivery was slimmed are theirs too.
  responses: `SELECT id, delivery_id AS deliveryId, series, part_id AS partId, body, created_at AS createdAt,
      updated_at AS updatedAt FROM responses WHERE subscriber_id = ?1 ORDER BY id`,
  consents: `SELECT id, series, form, consent_text_version AS consentTextVersion, created_at AS createdAt,
      confirmed_at AS confirmedAt, email_status AS emailStatus FROM consents WHERE subscriber_id = ?1 ORDER BY id`,
  events: `SELECT id, delivery_id AS deliveryId, type, data, created_at AS createdAt FROM events WHERE subscriber_id = ?1 ORDER BY id`,
  /** What retention kept of their older deliveries: one row per subscription (deliveries/delivery-archive.ts). */
  receivedParts: `SELECT rp.parts FROM received_parts rp JOIN subscriptions s ON s.id = rp.subscription_id
    WHERE s.subscriber_id = ?1 ORDER BY s.id`,
  /** The parts those name: part_refs has one row per part of the catalog, so this reads a small table whole. */
  partRefs: `SELECT r.id, r.series, r.part_id AS partId FROM part_refs r WHERE EXISTS (SELECT 1 FROM received_parts rp
    JOIN subscriptions s ON s.id = rp.subscription_id WHERE s.subscriber_id = ?1 AND ${hasPart("rp.parts", "r.id")})`,
} as const;

/**
 * ?1 subscriber id, ?2 their address. Only the export reads these: clicks, provider events about their mail,
 * messages of the local outbox and import report rows, matched as the erasure matches them (provider events about
 * confirmation emails and outbox without an index: a rare, whole read).
 */
export const subscriberExportSql = {
  // Every click row naming them, clicks on slimmed deliveries' links included (clicks are kept for a window only).
  clicks: `SELECT id, delivery_id AS deliveryId, series, part_id AS partId, link, scanner_reason AS scannerReason,
      created_at AS createdAt FROM clicks WHERE subscriber_id = ?1 ORDER BY id`,
  webhookEvents: `SELECT id, type, delivery_id AS deliveryId, provider_message_id AS providerMessageId, received_at AS receivedAt
    FROM webhook_events
    WHERE delivery_id IN (SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id WHERE s.subscriber_id = ?1)
      OR provider_message_id IN (${THEIR_CONFIRMATIONS}) ORDER BY received_at`,
  outbox: `SELECT id, subject, created_at AS createdAt FROM outbox WHERE lower("to") = lower(?2) ORDER BY created_at`,
  /** Rows of import reports that named them (by import_rows_email_idx), with when each import ran. */
  importRows: `SELECT import_rows.job_id AS jobId, import_jobs.created_at AS importedAt, row, email, outcome, message
    FROM import_rows JOIN import_jobs ON import_jobs.id = import_rows.job_id
    WHERE lower(email) = lower(?2) ORDER BY import_jobs.created_at, row`,
} as const;

/** ?1 subscriber id, ?2 now, ?3 series or null (all). Only live subscriptions change; stopped or pending stay. */
export const updateSql = {
  pause: `UPDATE subscriptions SET status = 'paused', updated_at = ?2
    WHERE subscriber_id = ?1 AND status = 'active' AND (?3 IS NULL OR series = ?3)`,
  /**
   * ?4 the released catalog's order. A resume clears a "Still reading?" pause's reason and starts the streak again
   * (as a sign of reading does), and wakes a reader who was caught up when a part came out meanwhile (the cycle
   * wakes only active readers), as the preference page's resume does.
   */
  resume: `UPDATE subscriptions SET status = 'active', updated_at = ?2, set_aside_reason = NULL, quiet_parts = 0,
      signal_at = max(coalesce(signal_at, 0), ?2), due_at = ${resumedDueAt("?2", "?4")}
    WHERE subscriber_id = ?1 AND status = 'paused' AND (?3 IS NULL OR series = ?3)`,
  /** The reader's own status follows a pause or resume of everything. */
  pauseReader: `UPDATE subscribers SET status = 'paused', updated_at = ?2 WHERE id = ?1 AND status = 'active'`,
  resumeReader: `UPDATE subscribers SET status = 'active', updated_at = ?2 WHERE id = ?1 AND status = 'paused'`,
  /** ?1 subscription id, ?2 now, ?3 part number. Not while a batch holds it (its position is being recorded). */
  move: `UPDATE subscriptions SET next_part = ?3, due_at = ?2, updated_at = ?2, refusals = 0
    WHERE id = ?1 AND batch_id IS NULL`,
  /** ?1 subscriber id, ?2 now, ?3 name, ?4 timezone; a value not sent keeps the column (the flags ?5, ?6). */
  profile: `UPDATE subscribers SET name = CASE WHEN ?5 THEN ?3 ELSE name END,
    timezone = CASE WHEN ?6 THEN ?4 ELSE timezone END, updated_at = ?2 WHERE id = ?1`,
  /** ?1 subscriber id. */
  readerStatus: `SELECT status FROM subscribers WHERE id = ?1`,
  /** ?1 subscriber id, ?2 series, ?3 the part id moved to: the subscription, and whether it received that part. */
  subscription: `SELECT id, batch_id AS batchId,
      (SELECT count(*) FROM deliveries d WHERE d.subscription_id = subscriptions.id AND d.part_id = ?3)
        + ${receivedBefore("subscriptions.id", "?3")} AS received
    FROM subscriptions WHERE subscriber_id = ?1 AND series = ?2`,
} as const;

/**
 * ?1 subscriber id, ?2 their address. Children first (events and webhook rows point at deliveries). Rare and
 * whole: webhook_events about confirmation emails, outbox and referrals are matched without an index (an erasure
 * reads those tables once).
 */
export const eraseSql = {
  clicks: `DELETE FROM clicks WHERE delivery_id IN (${THEIR_DELIVERIES}) OR subscriber_id = ?1`,
  responses: `DELETE FROM responses WHERE delivery_id IN (${THEIR_DELIVERIES}) OR subscriber_id = ?1`,
  events: `DELETE FROM events WHERE subscriber_id = ?1 OR delivery_id IN (${THEIR_DELIVERIES})`,
  // Provider events about their deliveries, and about their confirmation emails (no delivery row: by the consent's id).
  webhookEvents: `DELETE FROM webhook_events WHERE delivery_id IN (${THEIR_DELIVERIES})
    OR provider_message_id IN (${THEIR_CONFIRMATIONS})`,
  deliveries: `DELETE FROM deliveries WHERE subscription_id IN (SELECT id FROM subscriptions WHERE subscriber_id = ?1)`,
  outbox: `DELETE FROM outbox WHERE lower("to") = lower(?2)`,
  // Import reports keep their rows (and counts) but no longer name them; by import_rows_email_idx.
  importRows: `UPDATE import_rows SET email = '', message = 'Erased at the person''s request.' WHERE lower(email) = lower(?2)`,
  // What retention kept of their slimmed deliveries (delivery_archive keeps only ids that now name no one).
  receivedParts: `DELETE FROM received_parts WHERE subscription_id IN (SELECT id FROM subscriptions WHERE subscriber_id = ?1)`,
  consents: `DELETE FROM consents WHERE subscriber_id = ?1`,
  readingChecks: `DELETE FROM reading_checks WHERE subscriber_id = ?1`,
  subscriptions: `DELETE FROM subscriptions WHERE subscriber_id = ?1`,
  // Readers they referred keep their subscription, not the erased person's id.
  referrals: `UPDATE subscribers SET referrer_id = NULL WHERE referrer_id = ?1`,
  subscriber: `DELETE FROM subscribers WHERE id = ?1`,
} as const;

/** ?1 subscriber id: their address, and how many of their subscriptions a batch being sent holds. */
export const eraseCheckSql = `SELECT email, (SELECT count(*) FROM subscriptions s WHERE s.subscriber_id = ?1 AND s.batch_id IS NOT NULL
    AND NOT EXISTS (SELECT 1 FROM batches b WHERE b.id = s.batch_id AND b.status IN ('failed_after_unknown', 'dead'))) AS inFlight
  FROM subscribers WHERE id = ?1`;

/** ?1 the address's keyed hash, ?2 now: all an erasure keeps, so an import never re-adds them. */
export const suppressErasedSql = `INSERT INTO suppressions (email_hash, reason, created_at) VALUES (?1, 'erased', ?2)
  ON CONFLICT (email_hash) DO NOTHING`;

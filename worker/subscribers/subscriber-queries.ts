/**
 * Every statement of the reader's own subscriber verbs (signup, confirm, unsubscribe, the erased-address check),
 * in one place so tests/routes/consent-query-plans.test.ts and tests/delivery/query-plans.test.ts can prove none
 * scans a list table. Columns come back under the camelCase names of db/schema.ts.
 */

/** ?1 subscriber id: what the unsubscribe page and the resubscribe form need of the reader. */
export const subscriberSql = {
  byId: `SELECT id, email, status FROM subscribers WHERE id = ?1`,
  idById: `SELECT id FROM subscribers WHERE id = ?1`,
  /** ?1 the address' email key (subscribers_email_key_idx). */
  idByEmailKey: `SELECT id FROM subscribers WHERE email_key = ?1`,
} as const;

/** The signup's reads and writes before the consent (insertConsentSql); ?1 is always the first key named. */
export const subscribeSql = {
  /** ?1 email, ?2 email key, ?3 now, ?4 referrer, ?5 referral part id. A known address: nothing. */
  insertReader: `INSERT INTO subscribers (email, email_key, status, created_at, updated_at,
      referrer_id, referral_part_id)
    VALUES (?1, ?2, 'pending', ?3, ?3, ?4, ?5)
    ON CONFLICT (email_key) DO NOTHING`,
  /** ?1 email key. */
  readerByKey: `SELECT id, email, status FROM subscribers WHERE email_key = ?1`,
  /** ?1 subscriber id, ?2 series. */
  subscription: `SELECT id, status FROM subscriptions WHERE subscriber_id = ?1 AND series = ?2`,
  /** ?1 subscriber id, ?2 series, ?3 now. */
  insertSubscription: `INSERT INTO subscriptions (subscriber_id, series, status, created_at, updated_at)
    VALUES (?1, ?2, 'pending', ?3, ?3) ON CONFLICT DO NOTHING`,
} as const;

/**
 * The consent, inserted only while its mailbox had fewer than CONFIRMATIONS_PER_DAY confirmation emails in the
 * last day: counted and inserted in one statement, so concurrent signups cannot both slip under the cap. The
 * count reads consents_mailbox_key_idx: at most the cap's rows, whatever the number of spellings. ?1 subscriber,
 * ?2 series, ?3 form, ?4 consent text version, ?5 ip hash, ?6 user-agent hash, ?7 now, ?8 expires at, ?9 name,
 * ?10 timezone, ?11 email due at (the inline send's lease), ?12 mailbox key, ?13 now minus a day, ?14 the cap.
 */
export const insertConsentSql = `INSERT INTO consents (subscriber_id, series, form, consent_text_version, ip_hash, user_agent_hash,
    created_at, expires_at, pending_name, pending_timezone, email_status, email_attempts, email_next_at, mailbox_key)
  SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'queued', 0, ?11, ?12
  WHERE (SELECT count(*) FROM consents WHERE mailbox_key = ?12 AND created_at > ?13 AND email_status IS NOT NULL) < ?14
  RETURNING id`;

/** Guard of the later statements: this request's claim of the consent (?1) at ?2 went through. */
const claimed = "EXISTS (SELECT 1 FROM consents WHERE id = ?1 AND confirmed_at = ?2)";

/** The confirm link's reads (?1 consent id; ?1 ?2 reader and series), then its one transaction (?1 consent id, ?2 now). */
export const confirmSql = {
  consent: `SELECT id, subscriber_id AS subscriberId, series, created_at AS createdAt, confirmed_at AS confirmedAt,
      expires_at AS expiresAt, pending_name AS pendingName, pending_timezone AS pendingTimezone
    FROM consents WHERE id = ?1`,
  reader: `SELECT id, email, status, timezone, confirmed_at AS confirmedAt, unsubscribed_at AS unsubscribedAt
    FROM subscribers WHERE id = ?1`,
  subscription: `SELECT id, status, next_part AS nextPart, due_at AS dueAt, batch_id AS batchId, send_hour AS sendHour
    FROM subscriptions WHERE subscriber_id = ?1 AND series = ?2`,
  newestConsent: `SELECT id FROM consents WHERE subscriber_id = ?1 AND series = ?2 ORDER BY id DESC LIMIT 1`,
  confirmedAt: `SELECT confirmed_at AS confirmedAt FROM consents WHERE id = ?1`,
  /** Only the newest consent of its reader and series, unexpired, and not voided by a later unsubscribe or bounce. */
  claimConsent: `UPDATE consents SET confirmed_at = ?2, email_next_at = NULL,
      email_status = CASE WHEN email_status = 'queued' THEN 'sent' ELSE email_status END
    WHERE id = ?1 AND confirmed_at IS NULL AND expires_at >= ?2
      AND NOT EXISTS (SELECT 1 FROM consents newer WHERE newer.subscriber_id = consents.subscriber_id
        AND newer.series = consents.series AND newer.id > consents.id)
      AND EXISTS (SELECT 1 FROM subscribers s WHERE s.id = consents.subscriber_id AND s.status NOT IN ('bounced', 'complained')
        AND (s.unsubscribed_at IS NULL OR s.unsubscribed_at < consents.created_at))`,
  /** ?3 reader, ?4 the name asked for (null keeps theirs), ?5 timezone. */
  activateReader: `UPDATE subscribers SET status = 'active', confirmed_at = ?2, unsubscribed_at = NULL, updated_at = ?2,
      name = coalesce(?4, name), timezone = ?5
    WHERE id = ?3 AND ${claimed}`,
  /** ?3 subscription, ?4 when its next part is due. */
  activateSubscription: `UPDATE subscriptions SET status = 'active', due_at = ?4, updated_at = ?2 WHERE id = ?3 AND ${claimed}`,
  recordEvent: `INSERT INTO events (subscriber_id, type, data, created_at) SELECT ?3, 'confirmed', ?4, ?2 WHERE ${claimed}`,
  /**
   * ?3 reader, ?4 series. A reader who came through a referral link counts on the referrer's part once, at
   * their first confirmation ever (confirmed_at is still null), and only in the series the link was for (the
   * one of their first signup).
   */
  countReferral: `INSERT INTO part_stats (series, part_id, referrals)
    SELECT ?4, referral_part_id, 1 FROM subscribers
    WHERE id = ?3 AND referrer_id IS NOT NULL AND referral_part_id IS NOT NULL AND confirmed_at IS NULL AND ${claimed}
      AND (SELECT series FROM consents WHERE subscriber_id = ?3 ORDER BY id LIMIT 1) = ?4
    ON CONFLICT (series, part_id) DO UPDATE SET referrals = referrals + 1`,
} as const;

/** ?1 subscriber id, ?2 now. Also used by the provider events' suppression (feedback/record-provider-events.ts). */
export const unsubscribeSql = {
  /**
   * Their deliveries in queued batches no consumer has attempted yet, found through their subscriptions'
   * batch ids (deliveries carry no subscriber index: every index on that table costs a write per email).
   */
  cancelQueued: `DELETE FROM deliveries WHERE batch_id IN (
      SELECT s.batch_id FROM subscriptions s JOIN batches b ON b.id = s.batch_id
      WHERE s.subscriber_id = ?1 AND b.status = 'claimed' AND b.attempts = 0)
    AND subscriber_id = ?1 AND status = 'claimed'`,
  /**
   * ?3 now minus 7 days: the last part received in each series still running, if it arrived within 7 days,
   * counts this unsubscribe (part_stats.unsubscribes). Before stopSubscriptions, so each series counts once.
   */
  countUnsubscribes: `INSERT INTO part_stats (series, part_id, unsubscribes)
    SELECT series, last_part_id, 1 FROM subscriptions
    WHERE subscriber_id = ?1 AND status <> 'stopped' AND last_part_id IS NOT NULL AND last_sent_at >= ?3
    ON CONFLICT (series, part_id) DO UPDATE SET unsubscribes = unsubscribes + 1`,
  /** A subscription whose batch was already attempted keeps it, so the record step can finish it. */
  stopSubscriptions: `UPDATE subscriptions SET status = 'stopped', due_at = NULL, updated_at = ?2,
      batch_id = CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.batch_id = subscriptions.batch_id
        AND d.subscription_id = subscriptions.id AND d.status = 'claimed') THEN batch_id END
    WHERE subscriber_id = ?1`,
  /** Runs before markSubscriber: one event per change of status, however often the link is pressed. */
  recordEvent: `INSERT INTO events (subscriber_id, type, data, created_at)
    SELECT ?1, 'unsubscribed', ?3, ?2 WHERE (SELECT status FROM subscribers WHERE id = ?1) != 'unsubscribed'`,
  markSubscriber: `UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = ?2, updated_at = ?2 WHERE id = ?1`,
} as const;

/**
 * One series only (the preference page): ?1 subscription id, ?2 now. The same steps as unsubscribeSql, for this
 * subscription alone: its delivery in a batch no consumer attempted yet is taken out, the rest of the reader's
 * subscriptions go on.
 */
export const unsubscribeFromSeriesSql = {
  cancelQueued: `DELETE FROM deliveries WHERE batch_id IN (
      SELECT s.batch_id FROM subscriptions s JOIN batches b ON b.id = s.batch_id WHERE s.id = ?1 AND b.status = 'claimed' AND b.attempts = 0)
    AND subscription_id = ?1 AND status = 'claimed'`,
  /** ?3 now minus 7 days. */
  countUnsubscribe: `INSERT INTO part_stats (series, part_id, unsubscribes)
    SELECT series, last_part_id, 1 FROM subscriptions
    WHERE id = ?1 AND status <> 'stopped' AND last_part_id IS NOT NULL AND last_sent_at >= ?3
    ON CONFLICT (series, part_id) DO UPDATE SET unsubscribes = unsubscribes + 1`,
  /** ?3 the event's data. Before stop: one event per subscription stopped. */
  recordEvent: `INSERT INTO events (subscriber_id, type, data, created_at)
    SELECT subscriber_id, 'unsubscribed', ?3, ?2 FROM subscriptions WHERE id = ?1 AND status <> 'stopped'`,
  stop: `UPDATE subscriptions SET status = 'stopped', due_at = NULL, paused_until = NULL, updated_at = ?2,
      batch_id = CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.batch_id = subscriptions.batch_id
        AND d.subscription_id = subscriptions.id AND d.status = 'claimed') THEN batch_id END
    WHERE id = ?1`,
} as const;

/** ?1 an erased address' keyed hash (primary key). */
export const suppressedSql = `SELECT email_hash AS hash FROM suppressions WHERE email_hash = ?1`;

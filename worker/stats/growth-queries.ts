/**
 * The day counters of series_days, each a statement for the same D1 batch as the change it counts. The day is
 * the UTC day of the change (?N is epoch milliseconds), written "2026-12-01" as utcDay() writes it.
 */
export const dayOf = (param: string) => `strftime('%Y-%m-%d', ${param} / 1000, 'unixepoch')`;

/** The UTC day of an instant, as series_days keys it. */
export const utcDay = (at: number) => new Date(at).toISOString().slice(0, 10);

export const growthSql = {
  /**
   * ?1 series, ?2 reader, ?3 now: after the signup's consent insert (created at ?3). A signup counts unless the
   * reader's previous consent for the series still waits for its click (unconfirmed, unexpired, not voided by
   * an unsubscribe since): pressing the form twice is one signup.
   */
  countSignup: `INSERT INTO series_days (series, day, signups) SELECT ?1, ${dayOf("?3")}, 1
    WHERE EXISTS (SELECT 1 FROM consents WHERE subscriber_id = ?2 AND series = ?1 AND created_at = ?3)
      AND NOT EXISTS (SELECT 1 FROM (SELECT confirmed_at, expires_at, created_at FROM consents
          WHERE subscriber_id = ?2 AND series = ?1 AND created_at < ?3 ORDER BY id DESC LIMIT 1) previous
        WHERE previous.confirmed_at IS NULL AND previous.expires_at >= ?3
          AND previous.created_at > coalesce((SELECT unsubscribed_at FROM subscribers WHERE id = ?2), -1))
    ON CONFLICT (series, day) DO UPDATE SET signups = signups + 1`,
  /** ?1 series, ?2 consent id, ?3 now: only when this request's confirm claimed the consent (confirmed at ?3). */
  countConfirmation: `INSERT INTO series_days (series, day, confirmations) SELECT ?1, ${dayOf("?3")}, 1
    WHERE EXISTS (SELECT 1 FROM consents WHERE id = ?2 AND confirmed_at = ?3)
    ON CONFLICT (series, day) DO UPDATE SET confirmations = confirmations + 1`,
  /**
   * ?1 reader, ?2 now: one in each series they were reading (active or paused). Before their subscriptions
   * stop, so an unsubscribe pressed again counts nothing.
   */
  countUnsubscribes: `INSERT INTO series_days (series, day, unsubscribes)
    SELECT series, ${dayOf("?2")}, 1 FROM subscriptions WHERE subscriber_id = ?1 AND status IN ('active', 'paused')
    ON CONFLICT (series, day) DO UPDATE SET unsubscribes = unsubscribes + 1`,
  /** ?1 reader, ?2 now, ?3 series: a reader leaving one series (the preference page), once while they read it. */
  countSeriesUnsubscribe: `INSERT INTO series_days (series, day, unsubscribes)
    SELECT series, ${dayOf("?2")}, 1 FROM subscriptions WHERE subscriber_id = ?1 AND series = ?3 AND status IN ('active', 'paused')
    ON CONFLICT (series, day) DO UPDATE SET unsubscribes = unsubscribes + 1`,
  /**
   * ?1 series, ?2 reader, ?3 now: a reader joining from their preference page (their address already proven), as
   * a confirmation; only when that request's consent was recorded (confirmed at ?3).
   */
  countJoin: `INSERT INTO series_days (series, day, confirmations) SELECT ?1, ${dayOf("?3")}, 1
    WHERE EXISTS (SELECT 1 FROM consents WHERE subscriber_id = ?2 AND series = ?1 AND confirmed_at = ?3 AND form = 'preferences')
    ON CONFLICT (series, day) DO UPDATE SET confirmations = confirmations + 1`,
} as const;

/**
 * An import chunk's new subscriptions per series (`claimed` is the chunk's guard on ?1–?4, ?4 its now; ?5 the
 * JSON [{ key }] of its rows): a pending one is a signup (a confirmation email is queued), an active one (stated
 * consent) a confirmation. Only subscriptions this chunk created (at ?4) count, so a redelivery counts none.
 */
export const importGrowthSql = (claimed: string) => `INSERT INTO series_days (series, day, signups, confirmations)
  SELECT t.series, ${dayOf("?4")}, sum(t.status = 'pending'), sum(t.status = 'active') FROM subscriptions t
  WHERE t.subscriber_id IN (SELECT s.id FROM json_each(?5) j JOIN subscribers s ON s.email_key = json_extract(j.value, '$.key'))
    AND t.created_at = ?4 AND ${claimed}
  GROUP BY t.series
  ON CONFLICT (series, day) DO UPDATE SET signups = signups + excluded.signups, confirmations = confirmations + excluded.confirmations`;

export const countConfirmation = (d1: D1Database, series: string, consentId: number, now: number) =>
  d1.prepare(growthSql.countConfirmation).bind(series, consentId, now);

export const countUnsubscribes = (d1: D1Database, subscriberId: number, now: number) =>
  d1.prepare(growthSql.countUnsubscribes).bind(subscriberId, now);

/** After a signup's consent insert, in the same batch: counts only when that insert happened (not throttled). */
export const countSignup = (d1: D1Database, series: string, subscriberId: number, now: number) =>
  d1.prepare(growthSql.countSignup).bind(series, subscriberId, now);

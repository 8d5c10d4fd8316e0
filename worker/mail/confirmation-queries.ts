/** The confirmation email's statements on its consent; ?1 is always the consent id. */
export const confirmationEmailSql = {
  /** ?2 the reason. Nothing more to try: the link is past its expiry, or the series is gone. */
  giveUp: `UPDATE consents SET email_status = 'failed', email_next_at = NULL, email_error = ?2 WHERE id = ?1`,
  /** ?2 attempts, ?3 the provider's id (a bounce or complaint about this email finds its reader by it). */
  markSent: `UPDATE consents SET email_status = 'sent', email_attempts = ?2, email_next_at = NULL, email_error = NULL,
      provider_message_id = ?3
    WHERE id = ?1`,
  /** ?2 'queued' (retried from ?4) or 'failed', ?3 attempts, ?4 next try (null when given up), ?5 the error. */
  markNotSent: `UPDATE consents SET email_status = ?2, email_attempts = ?3, email_next_at = ?4, email_error = ?5 WHERE id = ?1`,
  /** ?2 when it is due again (no attempt counted). */
  hold: `UPDATE consents SET email_next_at = ?2 WHERE id = ?1`,
  /**
   * ?1 now, ?2 how many. Due for another try, oldest due first; the literal 'queued' (not a bound value) lets
   * SQLite use the partial index consents_email_next_at_idx.
   */
  due: `SELECT c.id, c.series, c.expires_at AS expiresAt, c.email_attempts AS attempts, c.form, s.email, s.status
    FROM consents c JOIN subscribers s ON s.id = c.subscriber_id
    WHERE c.email_status = 'queued' AND c.email_next_at IS NOT NULL AND c.email_next_at <= ?1
    ORDER BY c.email_next_at LIMIT ?2`,
  /** ?2 the lease's end, ?3 now: taken only while still due, so two overlapping ticks never send one consent twice. */
  lease: `UPDATE consents SET email_next_at = ?2 WHERE id = ?1 AND email_status = 'queued' AND email_next_at <= ?3 RETURNING id`,
  /** The reader bounced or complained meanwhile (or the consent has no expiry): never sent. */
  suppress: `UPDATE consents SET email_status = 'failed', email_next_at = NULL, email_error = coalesce(email_error, 'suppressed')
    WHERE id = ?1`,
} as const;

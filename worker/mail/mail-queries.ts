/** The mail module's own statements (the local outbox, the provider slot's read); the booking is the delivery engine's. */
export const mailSql = {
  /** ?1 idempotency key: the ids a batch under this key got, in order (outbox_idempotency_key_idx). */
  outboxSent: `SELECT id FROM outbox WHERE idempotency_key = ?1 ORDER BY rowid`,
  /** One email of a batch: ?1 id, ?2 key, ?3 from, ?4 to, ?5 subject, ?6 html, ?7 text, ?8 headers JSON, ?9 at. */
  outboxInsert: `INSERT INTO outbox (id, idempotency_key, "from", "to", subject, html, text, headers, created_at)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)`,
  /** ?1 provider: when its next slot is free (primary key). */
  nextProviderSlot: `SELECT next_slot_at AS nextSlotAt FROM provider_slots WHERE provider = ?1`,
} as const;

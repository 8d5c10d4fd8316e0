/**
 * The statements that read the local outbox (the admin's list and one message), in one place beside the
 * mailer's own writes. Pages are keyed by (created_at, rowid): created_at alone repeats (a batch is stored in
 * one millisecond), and a cursor on it alone would skip the rest of a tie at a page boundary.
 */

const columns = `rowid, id, idempotency_key AS idempotencyKey, "from", "to", subject, html, text, headers, created_at AS createdAt`;

export const outboxListSql = {
  /**
   * ?1/?2 the cursor (created_at, rowid; null on the first page), ?3 lower-cased address or null (filtered in the
   * query, not after the page is cut: a page holds `limit` messages to that address), ?4 limit + 1. Newest first.
   */
  page: `SELECT ${columns} FROM outbox
    WHERE (?1 IS NULL OR created_at < ?1 OR (created_at = ?1 AND rowid < ?2)) AND (?3 IS NULL OR lower("to") = ?3)
    ORDER BY created_at DESC, rowid DESC LIMIT ?4`,
  /** ?1 message id (primary key). */
  message: `SELECT ${columns} FROM outbox WHERE id = ?1`,
} as const;

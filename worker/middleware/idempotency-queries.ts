/**
 * The statements of the Idempotency-Key store (table idempotency_keys): each by the key (primary key) or, for
 * the sweep of expired keys, through idempotency_keys_created_at_idx.
 */
export const idempotencySql = {
  /** ?1 key, ?2 now, ?3 ttl, ?4 lease: an expired answer or an abandoned run frees the key. */
  release: `DELETE FROM idempotency_keys WHERE key = ?1 AND (created_at <= ?2 - ?3 OR (status IS NULL AND lease_until <= ?2))`,
  /** ?1 key, ?2 now, ?3 request hash, ?4 lease. */
  claim: `INSERT INTO idempotency_keys (key, request_hash, created_at, lease_until) VALUES (?1, ?3, ?2, ?2 + ?4)
    ON CONFLICT (key) DO NOTHING`,
  /** ?1 key. */
  read: `SELECT request_hash AS requestHash, status, body, content_type AS contentType FROM idempotency_keys WHERE key = ?1`,
  /** ?1 now, ?2 ttl: a few expired keys of others, through idempotency_keys_created_at_idx, so the table stays small. */
  sweep: `DELETE FROM idempotency_keys WHERE key IN
    (SELECT key FROM idempotency_keys WHERE created_at <= ?1 - ?2 ORDER BY created_at LIMIT 50)`,
  /** ?1 key, ?2 status, ?3 body, ?4 content type. */
  finish: `UPDATE idempotency_keys SET status = ?2, body = ?3, content_type = ?4 WHERE key = ?1 AND status IS NULL`,
  /** ?1 key. A failed run (5xx) keeps nothing: the client may retry with the same key. */
  abandon: `DELETE FROM idempotency_keys WHERE key = ?1 AND status IS NULL`,
} as const;

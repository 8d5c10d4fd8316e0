/** How long an answer is kept for replay (as Resend and Stripe do). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A request still marked running after this long died with its isolate: the key may be used again. */
export const IDEMPOTENCY_LEASE_MS = 5 * 60 * 1000;

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

export type IdempotencyBegin =
  | { kind: "new" }
  | { kind: "replay"; status: number; body: string; contentType: string | null }
  | { kind: "mismatch" }
  | { kind: "in_progress" };

/** Takes the key for this request, or says what an earlier request with it became. One D1 batch. */
export async function beginIdempotent(
  d1: D1Database,
  key: string,
  requestHash: string,
  now = Date.now(),
): Promise<IdempotencyBegin> {
  const [, , claimed, read] = await d1.batch([
    d1.prepare(idempotencySql.sweep).bind(now, IDEMPOTENCY_TTL_MS),
    d1.prepare(idempotencySql.release).bind(key, now, IDEMPOTENCY_TTL_MS),
    d1.prepare(idempotencySql.claim).bind(key, now, requestHash, IDEMPOTENCY_LEASE_MS),
    d1.prepare(idempotencySql.read).bind(key),
  ]);
  if (claimed!.meta.changes > 0) return { kind: "new" };
  const row = (
    read!.results as { requestHash: string; status: number | null; body: string | null; contentType: string | null }[]
  )[0]!;
  // A run still going answers 409 whatever its body: the client retries once it is done.
  if (row.status === null) return { kind: "in_progress" };
  if (row.requestHash !== requestHash) return { kind: "mismatch" };
  return { kind: "replay", status: row.status, body: row.body ?? "", contentType: row.contentType };
}

export async function finishIdempotent(
  d1: D1Database,
  key: string,
  answer: { status: number; body: string; contentType: string | null },
) {
  await d1.prepare(idempotencySql.finish).bind(key, answer.status, answer.body, answer.contentType).run();
}

export async function abandonIdempotent(d1: D1Database, key: string) {
  await d1.prepare(idempotencySql.abandon).bind(key).run();
}

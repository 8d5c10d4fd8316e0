import { isoOrNull, toPage } from "../lib/page";

export const deadLetterSql = {
  /** ?1 JSON array of [queue message id, svix id, type, provider message id, received at], ?2 now. */
  record: `INSERT INTO feedback_dead_letters (id, svix_id, type, provider_message_id, received_at, dead_at)
    SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'), json_extract(value, '$[3]'),
      json_extract(value, '$[4]'), ?2
    FROM json_each(?1) WHERE true ON CONFLICT (id) DO NOTHING`,
  /**
   * ?1 limit + 1, ?2/?3 the cursor (dead_at, rowid; null on the first page): newest first through
   * feedback_dead_letters_dead_at_idx. `recorded`: a later delivery of the same event got through after all.
   */
  list: `SELECT f.rowid AS rowid, f.svix_id AS svixId, f.type, f.provider_message_id AS providerMessageId,
      f.received_at AS receivedAt, f.dead_at AS deadAt, EXISTS (SELECT 1 FROM webhook_events w WHERE w.id = f.svix_id) AS recorded
    FROM feedback_dead_letters f WHERE ?2 IS NULL OR f.dead_at < ?2 OR (f.dead_at = ?2 AND f.rowid < ?3)
    ORDER BY f.dead_at DESC, f.rowid DESC LIMIT ?1`,
} as const;

export type DeadLetterRow = [
  messageId: string,
  svixId: string | null,
  type: string | null,
  emailId: string | null,
  receivedAt: number | null,
];

/** Records the events the feedback queue gave up on, in one statement; a dead letter delivered twice is kept once. */
export async function recordDeadLetters(d1: D1Database, rows: DeadLetterRow[], now = Date.now()): Promise<number> {
  const result = await d1.prepare(deadLetterSql.record).bind(JSON.stringify(rows), now).run();
  return result.meta.changes;
}

export interface ListDeadLettersInput {
  limit: number;
  cursor?: [number, number];
}

/** Dead-lettered provider events, newest first. */
export async function listDeadLettersPage(d1: D1Database, input: ListDeadLettersInput) {
  const [at, rowid] = input.cursor ?? [null, null];
  const { results } = await d1
    .prepare(deadLetterSql.list)
    .bind(input.limit + 1, at, rowid)
    .all<{
      rowid: number;
      svixId: string | null;
      type: string | null;
      providerMessageId: string | null;
      receivedAt: number | null;
      deadAt: number;
      recorded: number;
    }>();
  return toPage(
    results,
    input.limit,
    ({ rowid: _rowid, ...row }) => ({
      ...row,
      receivedAt: isoOrNull(row.receivedAt),
      deadAt: new Date(row.deadAt).toISOString(),
      recorded: row.recorded === 1,
    }),
    (row) => `${row.deadAt}-${row.rowid}`,
  );
}

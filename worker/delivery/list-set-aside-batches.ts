import { toPage } from "../lib/page";

/** Statuses of batches that were set aside: what an admin must look at. */
export const setAsideStatuses = ["failed", "failed_after_unknown", "dead"] as const;
export type SetAsideStatus = (typeof setAsideStatuses)[number];

/**
 * ?1 status, ?2 limit + 1, ?3/?4 the cursor (set_aside_at, rowid; null on the first page). Served by the partial
 * index batches_set_aside_idx (status, set_aside_at, rowid): the order costs no sort.
 */
export const setAsideBatchesSql = `SELECT b.rowid AS rowid, id, status, attempts, last_error AS lastError,
    created_at AS createdAt, set_aside_at AS setAsideAt,
    (SELECT count(*) FROM deliveries d WHERE d.batch_id = b.id) AS readers
  FROM batches b WHERE status = ?1 AND set_aside_at IS NOT NULL
    AND (?3 IS NULL OR set_aside_at < ?3 OR (set_aside_at = ?3 AND b.rowid < ?4))
  ORDER BY set_aside_at DESC, b.rowid DESC LIMIT ?2`;

export interface ListBatchesInput {
  status: SetAsideStatus;
  limit: number;
  cursor?: [number, number];
}

/** Set-aside batches of one status, newest first, with why and how many readers they hold. */
export async function listSetAsideBatchesPage(d1: D1Database, input: ListBatchesInput) {
  const [at, rowid] = input.cursor ?? [null, null];
  const { results } = await d1
    .prepare(setAsideBatchesSql)
    .bind(input.status, input.limit + 1, at, rowid)
    .all<{
      rowid: number;
      id: string;
      status: SetAsideStatus;
      attempts: number;
      lastError: string | null;
      createdAt: number;
      setAsideAt: number;
      readers: number;
    }>();
  return toPage(
    results,
    input.limit,
    ({ rowid: _rowid, ...row }) => ({
      ...row,
      createdAt: new Date(row.createdAt).toISOString(),
      setAsideAt: new Date(row.setAsideAt).toISOString(),
    }),
    (row) => `${row.setAsideAt}-${row.rowid}`,
  );
}

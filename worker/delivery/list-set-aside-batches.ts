import type { AppDeps } from "../app-deps";
import { toPage } from "../lib/page";
import { setAsideBatchesSql } from "./delivery-list-queries";

/** Statuses of batches that were set aside: what an admin must look at. */
export const setAsideStatuses = ["failed", "failed_after_unknown", "dead"] as const;
export type SetAsideStatus = (typeof setAsideStatuses)[number];

export interface ListBatchesInput {
  status: SetAsideStatus;
  limit: number;
  cursor?: [number, number];
}

/** Set-aside batches of one status, newest first, with why and how many readers they hold. */
export async function listSetAsideBatchesPage(deps: Pick<AppDeps, "db">, input: ListBatchesInput) {
  const [at, rowid] = input.cursor ?? [null, null];
  const { results } = await deps.db
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

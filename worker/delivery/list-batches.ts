import { sql } from "./queries";

/** Statuses of batches that were set aside: what an admin must look at. */
export const setAsideStatuses = ["failed", "failed_after_unknown", "dead"] as const;
export type SetAsideStatus = (typeof setAsideStatuses)[number];

/** Set-aside batches of one status, newest first, with why and how many readers they hold. */
export async function listSetAsideBatches(db: D1Database, input: { status: SetAsideStatus; limit: number }) {
  const { results } = await db.prepare(sql.setAsideBatches).bind(input.status, input.limit).all<{
    id: string;
    status: SetAsideStatus;
    attempts: number;
    lastError: string | null;
    createdAt: number;
    setAsideAt: number;
    readers: number;
  }>();
  return {
    batches: results.map((row) => ({
      ...row,
      createdAt: new Date(row.createdAt).toISOString(),
      setAsideAt: new Date(row.setAsideAt).toISOString(),
    })),
  };
}

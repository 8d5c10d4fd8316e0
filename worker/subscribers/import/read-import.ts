import { importOutcomes, type ImportJobStatus, type ImportOutcome } from "../../../db/schema";

export { importOutcomes };

export interface ImportJob {
  id: string;
  status: ImportJobStatus;
  total: number;
  processed: number;
  active: number;
  pending: number;
  skipped: number;
  createdAt: string;
  finishedAt: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export async function readImportJob(d1: D1Database, id: string): Promise<ImportJob | null> {
  const row = await d1
    .prepare(`SELECT id, status, total, processed, active, pending, skipped, created_at AS createdAt, finished_at AS finishedAt
      FROM import_jobs WHERE id = ?1`)
    .bind(id)
    .first<Omit<ImportJob, "createdAt" | "finishedAt"> & { createdAt: number; finishedAt: number | null }>();
  return row && { ...row, createdAt: iso(row.createdAt)!, finishedAt: iso(row.finishedAt) };
}

export interface ImportRowReport {
  row: number;
  email: string;
  outcome: ImportOutcome;
  message: string | null;
}

export interface ListImportRowsInput {
  outcome?: ImportOutcome;
  /** The last row number of the previous page (rows come in file order). */
  cursor?: number;
  limit: number;
}

const reportColumns = "SELECT row, email, outcome, message FROM import_rows";
/** Two statements, so each walks its own index: the primary key (job_id, row) or (job_id, outcome, row). */
export const reportPageSql = {
  /** ?1 job, ?2 after row, ?3 limit. */
  all: `${reportColumns} WHERE job_id = ?1 AND row > ?2 ORDER BY row LIMIT ?3`,
  /** ?1 job, ?2 outcome, ?3 after row, ?4 limit. */
  byOutcome: `${reportColumns} WHERE job_id = ?1 AND outcome = ?2 AND row > ?3 ORDER BY row LIMIT ?4`,
} as const;

/** The per-row report of a job, in file order, keyset-paginated by row number; null when there is no such job. */
export async function listImportRows(d1: D1Database, jobId: string, input: ListImportRowsInput) {
  const job = await d1.prepare(`SELECT 1 AS found FROM import_jobs WHERE id = ?1`).bind(jobId).first();
  if (!job) return null;
  const page = input.outcome
    ? d1.prepare(reportPageSql.byOutcome).bind(jobId, input.outcome, input.cursor ?? 0, input.limit + 1)
    : d1.prepare(reportPageSql.all).bind(jobId, input.cursor ?? 0, input.limit + 1);
  const { results } = await page.all<ImportRowReport>();
  const data = results.slice(0, input.limit);
  const hasMore = results.length > input.limit;
  return { data, has_more: hasMore, next_cursor: hasMore ? String(data[data.length - 1]!.row) : null };
}

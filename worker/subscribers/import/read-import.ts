import { importOutcomes, type ImportJobStatus, type ImportOutcome } from "../../../db/enums";
import type { AppDeps } from "../../app-deps";
import { importSql, reportPageSql } from "./import-queries";

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

export async function readImportJob(deps: Pick<AppDeps, "db">, id: string): Promise<ImportJob | null> {
  const row = await deps.db
    .prepare(importSql.readJob)
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
  jobId: string;
  outcome?: ImportOutcome;
  /** The last row number of the previous page (rows come in file order). */
  cursor?: number;
  limit: number;
}

/** The per-row report of a job, in file order, keyset-paginated by row number; null when there is no such job. */
export async function listImportRows(deps: Pick<AppDeps, "db">, input: ListImportRowsInput) {
  const { db: d1 } = deps;
  const { jobId } = input;
  const job = await d1.prepare(importSql.jobExists).bind(jobId).first();
  if (!job) return null;
  const page = input.outcome
    ? d1.prepare(reportPageSql.byOutcome).bind(jobId, input.outcome, input.cursor ?? 0, input.limit + 1)
    : d1.prepare(reportPageSql.all).bind(jobId, input.cursor ?? 0, input.limit + 1);
  const { results } = await page.all<ImportRowReport>();
  const data = results.slice(0, input.limit);
  const hasMore = results.length > input.limit;
  return { data, has_more: hasMore, next_cursor: hasMore ? String(data[data.length - 1]!.row) : null };
}

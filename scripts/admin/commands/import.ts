import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { setTimeout as sleep } from "node:timers/promises";
import type { z } from "zod";
import {
  importAcceptedSchema,
  importJobSchema,
  importRowPageSchema,
} from "../../../worker/routes/admin-api/import-schema";
import { CliError, type AdminClient } from "../client";
import { note, printJson, printLine, progressBar, table } from "../output";

/** The rows the admin has to look at: the others became readers. */
const REPORTED_OUTCOMES = ["invalid", "duplicate", "suppressed"] as const;

export interface ImportOptions {
  pollInterval: number;
  timeout: number;
}

/**
 * POST the CSV, then follow the job to its end. The Idempotency-Key is the file's hash: running the same
 * file again answers the first job instead of importing twice.
 */
export async function importCommand(client: AdminClient, file: string, options: ImportOptions, json: boolean) {
  let csv: Buffer;
  try {
    csv = readFileSync(file);
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const idempotencyKey = `import-${createHash("sha256").update(csv).digest("hex")}`;
  const { body: accepted, replayed } = await client.jsonWithReplay(importAcceptedSchema, "/subscribers/import", {
    method: "POST",
    body: csv,
    contentType: "text/csv",
    idempotencyKey,
  });
  if (replayed)
    note(`This file was sent before: import ${accepted.job.id} is that first import (nothing is imported twice).`);
  const job = await followJob(client, accepted.job, options);
  const rows: z.infer<typeof importRowPageSchema>["data"] = [];
  for (const outcome of REPORTED_OUTCOMES) {
    for await (const page of client.pages(
      importRowPageSchema,
      `/imports/${encodeURIComponent(job.id)}/rows`,
      { outcome },
      true,
    ))
      rows.push(...page.data);
  }
  rows.sort((a, b) => a.row - b.row);

  if (json) printJson({ job, rows });
  else {
    printLine(`Import ${job.id}: ${job.status}`);
    printLine(
      table(
        ["total", "processed", "active", "pending", "skipped"],
        [[job.total, job.processed, job.active, job.pending, job.skipped]],
      ),
    );
    if (rows.length > 0)
      printLine(
        table(
          ["row", "email", "outcome", "message"],
          rows.map((r) => [r.row, r.email, r.outcome, r.message]),
        ),
      );
  }
  if (job.status === "failed")
    throw new CliError(`import ${job.id} failed after ${job.processed} of ${job.total} rows`);
}

async function followJob(client: AdminClient, first: z.infer<typeof importJobSchema>, options: ImportOptions) {
  const bar = progressBar("importing [{bar}] {value}/{total} rows | {status}");
  bar.start(Math.max(first.total, 1), first.processed, { status: first.status });
  const deadline = Date.now() + options.timeout * 1000;
  let job = first;
  try {
    while (job.status === "queued" || job.status === "running") {
      if (Date.now() > deadline) {
        throw new CliError(
          `import ${job.id} is still ${job.status} after ${options.timeout}s: look again with GET /admin/api/imports/${job.id}`,
        );
      }
      await sleep(options.pollInterval);
      job = await client.json(importJobSchema, `/imports/${encodeURIComponent(job.id)}`);
      bar.setTotal(Math.max(job.total, 1));
      bar.update(job.processed, { status: job.status });
    }
  } finally {
    bar.stop();
  }
  if (!process.stderr.isTTY) note(`import ${job.id}: ${job.status}, ${job.processed}/${job.total} rows`);
  return job;
}

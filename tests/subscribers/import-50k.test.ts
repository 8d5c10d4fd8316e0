import { env } from "cloudflare:workers";
import { expect, it } from "vitest";
import { parseImportCsv } from "../../worker/subscribers/import/parse-import-csv";
import { processImportChunk } from "../../worker/subscribers/import/process-import-chunk";
import { startImport } from "../../worker/subscribers/import/start-import";
import type { ImportChunkMessage } from "../../worker/env";
import { countingQueue } from "../helpers/counting-queue";
import { recordingD1 } from "../helpers/recording-d1";
import { waitForJob } from "../helpers/import-helpers";
import { countRows } from "../helpers/rows";
import { DEFAULT_SERIES } from "../helpers/route-helpers";
import { testDeps } from "../helpers/test-deps";

const ROWS = 50_000;

/** Half the readers with stated consent, half to confirm; names, zones and both series, as a real list has. */
function bigCsv(): string {
  const lines = ["email,name,timezone,series,consented_at,consent_source"];
  for (let i = 1; i <= ROWS; i++) {
    const consent = i % 2 === 0 ? "2026-03-01T10:00:00Z,old list export" : ",";
    lines.push(
      `reader${i}@list.example.com,Reader ${i},${i % 3 ? "Europe/Berlin" : ""},${i % 5 ? "fixture-four" : ""},${consent}`,
    );
  }
  return lines.join("\r\n");
}

it("imports 50,000 rows: the request makes 2 D1 calls and a few queue sends, each chunk 4 D1 calls", async () => {
  const csv = bigCsv();
  const parseStart = performance.now();
  const parsed = parseImportCsv(csv, DEFAULT_SERIES);
  const parseMs = performance.now() - parseStart;
  if (!parsed.ok) throw new Error(parsed.message);
  expect(parsed.rows).toHaveLength(ROWS);

  const d1 = recordingD1(env.DB);
  const queue = countingQueue(env.IMPORT_QUEUE!);
  const started = await startImport(
    { ...testDeps({ db: d1.db }), env: { IMPORT_QUEUE: queue.queue } },
    { rows: parsed.rows },
  );
  if (started.kind !== "started") throw new Error(started.kind);

  // The request: insert the job, read it back; 100 chunks of 500 rows in as few sendBatch calls as fit the limits.
  expect(d1.counts).toEqual({ calls: 2, statements: 2 });
  const messages = queue.sends.reduce((sum, send) => sum + send.messages, 0);
  expect(messages).toBe(100);
  expect(queue.sends.every((send) => send.messages <= 100 && send.bytes <= 256 * 1024)).toBe(true);
  // ~60 KB a chunk: 4 chunks a call, well within the free plan's 50 subrequests per invocation.
  expect(queue.sends.length).toBeLessThanOrEqual(30);
  console.log(
    `50,000 rows: ${csv.length} bytes, parsed in ${parseMs.toFixed(0)} ms, ${messages} chunks in ${queue.sends.length} sendBatch calls`,
  );

  const consumeStart = Date.now();
  const job = await waitForJob(started.job.id, 120_000);
  console.log(`consumed in ${Date.now() - consumeStart} ms (miniflare, 2 cores shared)`);
  expect(job).toMatchObject({
    status: "done",
    total: ROWS,
    processed: ROWS,
    active: ROWS / 2,
    pending: ROWS / 2,
    skipped: 0,
  });
  expect(await countRows("subscribers")).toBe(ROWS);
  expect(await countRows("subscriptions", "status = 'active'")).toBe(ROWS / 2);
  expect(await countRows("consents", "email_status = 'queued'")).toBe(ROWS / 2);
  expect(await countRows("import_rows", `job_id = '${job.id}'`)).toBe(ROWS);

  // A chunk of 500 new readers, counted: what D1 bills per imported reader.
  const fresh = recordingD1(env.DB);
  const freshRows = parseImportCsv(bigCsv().replaceAll("@list.example.com", "@fresh.example.com"), DEFAULT_SERIES);
  if (!freshRows.ok) throw new Error(freshRows.message);
  await env.DB.prepare(`UPDATE import_jobs SET chunks = 102 WHERE id = ?1`).bind(job.id).run();
  await processImportChunk(testDeps({ db: fresh.db }), {
    jobId: job.id,
    chunk: 101,
    rows: freshRows.rows.slice(0, 500),
  });
  console.log(
    `a chunk of 500 new readers: ${fresh.writes.rowsWritten} D1 rows written (${(fresh.writes.rowsWritten / 500).toFixed(1)} per reader)`,
  );
  expect(fresh.writes.rowsWritten / 500).toBeLessThan(20);

  // One more chunk of the same rows, counted: 1 read of the job, 2 reads (suppressions, known readers), 1 batch.
  const again = recordingD1(env.DB);
  const message: ImportChunkMessage = { jobId: job.id, chunk: 100, rows: parsed.rows.slice(0, 500) };
  await env.DB.prepare(`UPDATE import_jobs SET chunks = 101 WHERE id = ?1`).bind(job.id).run();
  const result = await processImportChunk(testDeps({ db: again.db }), message);
  expect(result).toEqual({ kind: "written", active: 0, pending: 0, skipped: 500 });
  expect(again.counts).toEqual({ calls: 4, statements: 3 + 8 });
}, 180_000);

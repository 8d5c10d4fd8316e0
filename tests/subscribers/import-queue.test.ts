import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../worker/index";
import type { ImportChunkMessage } from "../../worker/env";
import { parseImportCsv } from "../../worker/subscribers/import/parse-import-csv";
import { processImportChunk } from "../../worker/subscribers/import/process-import-chunk";
import { startImport } from "../../worker/subscribers/import/start-import";
import { adminGet, resetImportTables } from "../helpers/import-helpers";
import { countRows } from "../helpers/rows";
import { DEFAULT_SERIES } from "../helpers/route-helpers";
import { testDeps } from "../helpers/test-deps";

beforeEach(resetImportTables);

/** How an import rides its queue: redelivered chunks, a dead letter, and no queue bound at all. */
describe("a chunk delivered more than once", () => {
  async function queuedJob(csv: string) {
    const parsed = parseImportCsv(csv, DEFAULT_SERIES);
    if (!parsed.ok) throw new Error(parsed.message);
    const messages: ImportChunkMessage[] = [];
    // A queue that keeps the messages: the test delivers them itself.
    const holding = {
      sendBatch: async (batch: { body: ImportChunkMessage }[]) => void messages.push(...batch.map((m) => m.body)),
    } as unknown as Queue<ImportChunkMessage>;
    const started = await startImport({ ...testDeps(), env: { IMPORT_QUEUE: holding } }, { rows: parsed.rows });
    if (started.kind !== "started") throw new Error(started.kind);
    return { job: started.job, messages };
  }
  const jobRow = (id: string) =>
    env.DB.prepare(`SELECT processed, active, pending, skipped, status FROM import_jobs WHERE id = ?1`)
      .bind(id)
      .first();

  it("is counted once when the queue redelivers it to the consumer", async () => {
    const { job, messages } = await queuedJob(
      "email,consented_at,consent_source\nre1@example.com,2026-01-01,form\nre2@example.com,,\nnope,,\n",
    );
    expect(messages).toHaveLength(1);
    for (const attempt of [1, 2]) {
      const batch = createMessageBatch<ImportChunkMessage>("nextpart-import", [
        { id: `m${attempt}`, timestamp: new Date(), attempts: attempt, body: messages[0]! },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual([`m${attempt}`]);
    }
    expect(await jobRow(job.id)).toEqual({ processed: 3, active: 1, pending: 1, skipped: 1, status: "done" });
    expect(await countRows("import_rows")).toBe(3);
    expect(await countRows("consents")).toBe(2);
  });

  it("is written once when two deliveries run at the same time", async () => {
    const { job, messages } = await queuedJob("email\nrace1@example.com\nrace2@example.com\n");
    const results = await Promise.all([1, 2].map(() => processImportChunk(testDeps(), messages[0]!)));
    expect(results.map((result) => result.kind).sort()).toEqual(["already_done", "written"]);
    expect(await jobRow(job.id)).toEqual({ processed: 2, active: 0, pending: 2, skipped: 0, status: "done" });
    expect(await countRows("consents")).toBe(2);
    expect(await countRows("import_chunks")).toBe(1);
  });

  it("marks its job failed when the queue gives up on it (dead letter)", async () => {
    const { job, messages } = await queuedJob("email\ndead@example.com\n");
    const batch = createMessageBatch<ImportChunkMessage>("nextpart-import-dlq", [
      { id: "d1", timestamp: new Date(), attempts: 1, body: messages[0]! },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    expect((await getQueueResult(batch, ctx)).explicitAcks).toEqual(["d1"]);
    expect(await jobRow(job.id)).toMatchObject({ status: "failed", processed: 0 });
    const seen = (await (await adminGet(`/imports/${job.id}`)).json()) as { status: string; finishedAt: string | null };
    expect(seen.status).toBe("failed");
    expect(seen.finishedAt).not.toBeNull();
  });
});

describe("without an import queue bound", () => {
  const rowsOf = (count: number) => {
    const parsed = parseImportCsv(
      ["email", ...Array.from({ length: count }, (_, i) => `inline${i}@example.com`)].join("\n"),
      DEFAULT_SERIES,
    );
    if (!parsed.ok) throw new Error(parsed.message);
    return parsed.rows;
  };

  it("imports a file of up to 4 chunks inline, within the request", async () => {
    const started = await startImport({ ...testDeps(), env: { IMPORT_QUEUE: undefined } }, { rows: rowsOf(2000) });
    expect(started).toMatchObject({
      kind: "started",
      job: { status: "done", total: 2000, processed: 2000, pending: 2000 },
    });
    expect(await countRows("import_chunks")).toBe(4);
  });

  it("refuses a larger file before creating a job", async () => {
    expect(await startImport({ ...testDeps(), env: { IMPORT_QUEUE: undefined } }, { rows: rowsOf(2001) })).toEqual({
      kind: "needs_queue",
      chunks: 5,
    });
    expect(await countRows("import_jobs")).toBe(0);
  });
});

import type { AppDeps } from "../../app-deps";
import type { ImportChunkMessage } from "../../env";
import { importSql } from "./import-queries";
import { processImportChunk } from "./process-import-chunk";

export const IMPORT_QUEUE = "nextpart-import";
export const IMPORT_DEAD_LETTER_QUEUE = "nextpart-import-dlq";

/** The import queue's consumer: one message = one chunk; a crash retries it, and its claim makes that safe. */
export async function consumeImportChunks(
  deps: Pick<AppDeps, "db" | "config" | "clock">,
  batch: MessageBatch<ImportChunkMessage>,
): Promise<void> {
  if (batch.queue === IMPORT_DEAD_LETTER_QUEUE) return consumeDeadChunks(deps, batch);
  for (const message of batch.messages) {
    try {
      const result = await processImportChunk(deps, message.body);
      // The job row is written before its chunks are queued: not there means it never will be.
      if (result.kind === "no_job")
        console.error("import chunk for an unknown job", message.body.jobId, message.body.chunk);
      message.ack();
    } catch (error) {
      console.error("import chunk failed", message.body.jobId, message.body.chunk, error);
      message.retry({ delaySeconds: 10 * message.attempts });
    }
  }
}

/** A chunk the queue gave up on: its job says failed (the rows it did process stay imported). */
async function consumeDeadChunks(
  deps: Pick<AppDeps, "db" | "clock">,
  batch: MessageBatch<ImportChunkMessage>,
): Promise<void> {
  for (const message of batch.messages) {
    const { jobId, chunk } = message.body;
    console.error("import chunk dead-lettered", jobId, chunk);
    try {
      await deps.db
        .prepare(importSql.failJob)
        .bind(jobId, `chunk ${chunk} (rows ${message.body.rows[0]?.[0] ?? "?"}…) failed after retries`, deps.clock())
        .run();
      message.ack();
    } catch (error) {
      console.error("recording a dead import chunk failed", jobId, chunk, error);
      message.retry({ delaySeconds: 30 });
    }
  }
}

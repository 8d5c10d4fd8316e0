import type { AppDeps } from "../../app-deps";
import type { Env, ImportChunkMessage, ImportRowTuple } from "../../env";
import { importSql } from "./import-queries";
import { readImportJob, type ImportJob } from "./read-import";
import { processImportChunk } from "./process-import-chunk";

/** Rows per queue message, and bytes: a message may hold 128 KB, and a chunk's rows are one bound JSON value. */
export const IMPORT_CHUNK_ROWS = 500;
const CHUNK_MAX_BYTES = 96 * 1024;
/** sendBatch takes at most 100 messages and 256 KB in all. */
const SEND_BATCH_MESSAGES = 100;
const SEND_BATCH_BYTES = 240 * 1024;
/** Without an import queue (a local run without one), a file this small is imported inline; larger ones need it. */
export const INLINE_MAX_CHUNKS = 4;

export interface StartImportInput {
  rows: ImportRowTuple[];
  /** With the SHA-256 of the file: the same key and file answer the same job. */
  idempotency?: { key: string; requestHash: string };
}

export type StartImportResult =
  | { kind: "started"; job: ImportJob }
  /** The same Idempotency-Key as an earlier import: its job, nothing imported again. */
  | { kind: "replayed"; job: ImportJob }
  /** That key was used for another file. */
  | { kind: "key_reused" }
  | { kind: "needs_queue"; chunks: number };

const encoder = new TextEncoder();

/** Rows cut into chunks of at most IMPORT_CHUNK_ROWS rows and CHUNK_MAX_BYTES of JSON. */
export function chunkRows(rows: ImportRowTuple[]): { rows: ImportRowTuple[]; bytes: number }[] {
  const chunks: { rows: ImportRowTuple[]; bytes: number }[] = [];
  let current: { rows: ImportRowTuple[]; bytes: number } = { rows: [], bytes: 0 };
  for (const row of rows) {
    const bytes = encoder.encode(JSON.stringify(row)).byteLength + 1;
    if (
      current.rows.length > 0 &&
      (current.rows.length >= IMPORT_CHUNK_ROWS || current.bytes + bytes > CHUNK_MAX_BYTES)
    ) {
      chunks.push(current);
      current = { rows: [], bytes: 0 };
    }
    current.rows.push(row);
    current.bytes += bytes;
  }
  if (current.rows.length > 0) chunks.push(current);
  return chunks;
}

/**
 * Creates the import job and hands its chunks to the import queue, in as few sendBatch calls as the queue's
 * limits allow; the queue's consumer does the rest (processImportChunk). Without a queue bound, only a small
 * file is processed here, inline.
 */
export async function startImport(
  deps: Pick<AppDeps, "db" | "config" | "clock"> & { env: Pick<Env, "IMPORT_QUEUE"> },
  input: StartImportInput,
): Promise<StartImportResult> {
  const { db: d1 } = deps;
  const queue = deps.env.IMPORT_QUEUE;
  const now = deps.clock();
  const chunks = chunkRows(input.rows);
  if (!queue && chunks.length > INLINE_MAX_CHUNKS) return { kind: "needs_queue", chunks: chunks.length };

  const id = crypto.randomUUID();
  const inserted = await d1
    .prepare(importSql.insertJob)
    .bind(
      id,
      input.rows.length,
      chunks.length,
      input.idempotency?.key ?? null,
      input.idempotency?.requestHash ?? null,
      now,
    )
    .first<{ id: string }>();
  if (!inserted) {
    const earlier = (await d1
      .prepare(importSql.jobByIdempotencyKey)
      .bind(input.idempotency!.key)
      .first<{ id: string; requestHash: string }>())!;
    if (earlier.requestHash !== input.idempotency!.requestHash) return { kind: "key_reused" };
    return { kind: "replayed", job: (await readImportJob(deps, earlier.id))! };
  }

  const messages = chunks.map((chunk, i) => ({
    body: { jobId: id, chunk: i, rows: chunk.rows } satisfies ImportChunkMessage,
    bytes: chunk.bytes,
  }));
  try {
    if (queue) {
      for (const group of groupForSendBatch(messages))
        await queue.sendBatch(group.map(({ body }) => ({ body, contentType: "json" })));
    } else {
      // On the job's clock: the inline chunks are written at the time the job was created, as before.
      for (const { body } of messages) await processImportChunk({ ...deps, clock: () => now }, body);
    }
  } catch (error) {
    // Chunks already sent still run, but the job says it did not import the whole file.
    await d1
      .prepare(importSql.failJob)
      .bind(id, `could not queue every chunk: ${String(error).slice(0, 300)}`, deps.clock())
      .run();
    throw error;
  }
  return { kind: "started", job: (await readImportJob(deps, id))! };
}

function groupForSendBatch<T extends { bytes: number }>(messages: T[]): T[][] {
  const groups: T[][] = [];
  let group: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    // Each message's JSON carries a few bytes more than its rows (job id, chunk number).
    const size = message.bytes + 128;
    if (group.length > 0 && (group.length >= SEND_BATCH_MESSAGES || bytes + size > SEND_BATCH_BYTES)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push(message);
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

import { createWriteStream, renameSync, rmSync } from "node:fs";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { ReadableStream as WebReadableStream } from "node:stream/web";
import type { AdminClient } from "../client";
import { note, progressBar } from "../output";

/**
 * GET /subscribers/export.csv, streamed: never held in memory. To a file it is written beside it first and
 * renamed at the end, so an export cut short never leaves a truncated FILE that looks complete.
 */
export async function exportCommand(client: AdminClient, file: string | undefined) {
  const response = await client.fetch("/subscribers/export.csv");
  const body = Readable.fromWeb(response.body as WebReadableStream<Uint8Array>);
  if (!file) {
    await pipeline(body, process.stdout);
    return;
  }
  let bytes = 0;
  let rows = 0;
  const bar = progressBar("exporting {bytes} bytes, {rows} lines");
  bar.start(0, 0, { bytes, rows });
  const count = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      bytes += chunk.length;
      for (let i = chunk.indexOf(10); i !== -1; i = chunk.indexOf(10, i + 1)) rows += 1;
      bar.update(0, { bytes, rows });
      done(null, chunk);
    },
  });
  const partial = `${file}.part`;
  try {
    await pipeline(body, count, createWriteStream(partial));
    renameSync(partial, file);
  } catch (error) {
    rmSync(partial, { force: true });
    throw error;
  } finally {
    bar.stop();
  }
  // Lines, not readers: a quoted field may hold a line break, and the header is one of them.
  note(`${file}: ${bytes} bytes, ${rows} lines`);
}

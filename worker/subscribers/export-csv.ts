import Papa from "papaparse";
import type { AppDeps } from "../app-deps";
import { exportPageSql } from "./subscriber-admin-queries";

export const EXPORT_COLUMNS = [
  "email",
  "name",
  "status",
  "timezone",
  "created_at",
  "confirmed_at",
  "series",
  "subscription_status",
  "next_part",
  "due_at",
] as const;
/** Readers per D1 query: each page is one keyset read, so the export's cost grows with the list, never its memory. */
export const EXPORT_PAGE_SIZE = 500;
/**
 * A cell a spreadsheet would run as a formula (=, +, -, @, also tab and CR) gets a leading apostrophe. Our own
 * pattern: papaparse's default one misses a cell with a line break after its first character.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

interface ExportRow {
  id: number;
  email: string;
  name: string | null;
  status: string;
  timezone: string | null;
  createdAt: number;
  confirmedAt: number | null;
  series: string | null;
  subscriptionStatus: string | null;
  nextPart: number | null;
  dueAt: number | null;
}

const iso = (ms: number | null) => (ms === null ? "" : new Date(ms).toISOString());
const encoder = new TextEncoder();
const toCsv = (rows: (string | number)[][]) =>
  `${Papa.unparse(rows, { newline: "\r\n", escapeFormulae: FORMULA_START })}\r\n`;

/**
 * Every reader with their status and position in each series, as CSV (RFC 4180, CRLF), streamed: the header at
 * once, then one keyset page of readers per pull, so the first bytes leave before the last page is read.
 */
export function exportSubscribersCsv(
  deps: Pick<AppDeps, "db">,
  input: { pageSize?: number } = {},
): ReadableStream<Uint8Array> {
  const { db: d1 } = deps;
  const pageSize = input.pageSize ?? EXPORT_PAGE_SIZE;
  let afterId = 0;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        controller.enqueue(encoder.encode(toCsv([[...EXPORT_COLUMNS]])));
      },
      async pull(controller) {
        const { results } = await d1.prepare(exportPageSql).bind(afterId, pageSize).all<ExportRow>();
        if (results.length === 0) return controller.close();
        afterId = results[results.length - 1]!.id;
        const rows = results.map((row) => [
          row.email,
          row.name ?? "",
          row.status,
          row.timezone ?? "",
          iso(row.createdAt),
          iso(row.confirmedAt),
          row.series ?? "",
          row.subscriptionStatus ?? "",
          row.nextPart ?? "",
          iso(row.dueAt),
        ]);
        controller.enqueue(encoder.encode(toCsv(rows)));
        // A short page is the last one: no query just to learn that nothing follows.
        if (new Set(results.map((row) => row.id)).size < pageSize) controller.close();
      },
    },
    // One page at a time: the next query runs when the client has taken this one.
    { highWaterMark: 0 },
  );
}

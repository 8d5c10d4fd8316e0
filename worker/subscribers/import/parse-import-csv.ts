import Papa from "papaparse";
import { findSeries } from "../../content/catalog";
import type { ImportRowTuple } from "../../env";
import { emailKey, normalizeEmailAddress } from "../email-address";

export const IMPORT_COLUMNS = ["email", "name", "timezone", "series", "consented_at", "consent_source"] as const;
/** More rows than this is a file to split: the request parses at most one row past it, then answers. */
export const MAX_IMPORT_ROWS = 100_000;

/** Row flags decided here, where the whole file is seen (chunks are processed apart, in any order). */
export const ROW_OK = 0;
export const ROW_REPEATED = 1;
export const ROW_WRONG_FIELD_COUNT = 2;
export const ROW_TOO_LONG = 3;

/**
 * No valid cell comes near this (an address is ≤ 320 characters): a longer one is cut here and its row reported
 * invalid, so that one hostile row cannot push a chunk past the queue's 128 KB message limit.
 */
export const MAX_CELL_CHARS = 1_000;

export type ParsedImport = { ok: true; rows: ImportRowTuple[] } | { ok: false; message: string };

/**
 * The CSV as rows for the import queue. Only the file's shape is checked here (header, quoting, row count);
 * each row's content is validated by the chunk's consumer. A row repeating an earlier one's address and
 * series is flagged, so the first one wins whatever order the chunks run in.
 */
export function parseImportCsv(text: string, defaultSeries: string): ParsedImport {
  const parsed = readCsvRows(text);
  if (!parsed.ok) return parsed;
  const [header, ...data] = parsed.rows;
  if (!header)
    return {
      ok: false,
      message: "The CSV is empty: send a header row (email,name,timezone,series,consented_at,consent_source) and rows.",
    };

  const names = header.map((name) => name.trim().toLowerCase());
  const unknown = names.filter((name) => !(IMPORT_COLUMNS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    return {
      ok: false,
      message: `Unknown column(s): ${unknown.map((name) => JSON.stringify(name)).join(", ")}. The columns are ${IMPORT_COLUMNS.join(",")}.`,
    };
  }
  const repeatedColumn = names.find((name, i) => names.indexOf(name) !== i);
  if (repeatedColumn) return { ok: false, message: `Column "${repeatedColumn}" appears twice in the header.` };
  if (!names.includes("email")) return { ok: false, message: "The header has no email column." };
  if (data.length === 0) return { ok: false, message: "The CSV has a header but no rows." };
  if (data.length > MAX_IMPORT_ROWS)
    return {
      ok: false,
      message: `The CSV has more than ${MAX_IMPORT_ROWS} rows; split it into files of at most ${MAX_IMPORT_ROWS}.`,
    };

  const at = (name: (typeof IMPORT_COLUMNS)[number]) => names.indexOf(name);
  const columns = IMPORT_COLUMNS.map(at);
  const seen = new Set<string>();
  const rows = data.map((fields, i): ImportRowTuple => {
    const cells = columns.map((index) => (index < 0 ? "" : (fields[index] ?? "").trim()));
    const tooLong = fields.some((field) => field.length > MAX_CELL_CHARS);
    const [email, name, timezone, series, consentedAt, consentSource] = cells.map((cell) =>
      cell.slice(0, MAX_CELL_CHARS),
    );
    const slug = findSeries(series || defaultSeries)?.slug ?? series;
    const key = `${emailKey(normalizeEmailAddress(email!) ?? email!)}\n${slug}`;
    let flag: ImportRowTuple[7] = ROW_OK;
    if (tooLong) flag = ROW_TOO_LONG;
    else if (fields.length !== names.length) flag = ROW_WRONG_FIELD_COUNT;
    else if (seen.has(key)) flag = ROW_REPEATED;
    else seen.add(key);
    return [i + 1, email!, name!, timezone!, series || defaultSeries, consentedAt!, consentSource!, flag];
  });
  return { ok: true, rows };
}

/**
 * The file's non-empty rows, header first, parsed one at a time and never further than one row past the cap:
 * an 8 MB file of "a\n" stops after MAX_IMPORT_ROWS + 2 rows instead of becoming 4 million. fastMode off:
 * papaparse's fast path (a file without quotes) splits the whole text into lines before the first row.
 */
function readCsvRows(text: string): { ok: true; rows: string[][] } | { ok: false; message: string } {
  const rows: string[][] = [];
  let broken: string | undefined;
  Papa.parse<string[]>(text.replace(/^\uFEFF/, ""), {
    delimiter: ",",
    skipEmptyLines: "greedy",
    fastMode: false,
    step: ({ data, errors }, parser) => {
      const quotes = errors.find((error) => error.type === "Quotes");
      // Numbered as the report numbers rows: the header is row 0.
      if (quotes) broken = `Row ${rows.length}: ${quotes.message}.`;
      else rows.push(data);
      if (broken || rows.length > MAX_IMPORT_ROWS + 1) parser.abort();
    },
  });
  return broken ? { ok: false, message: broken } : { ok: true, rows };
}

import { env } from "cloudflare:workers";
import Papa from "papaparse";
import { beforeEach, describe, expect, it } from "vitest";
import { EXPORT_COLUMNS, exportSubscribersCsv } from "../../worker/subscribers/export-csv";
import { recordingD1 } from "../helpers/recording-d1";
import { adminGet, importCsv, resetImportTables } from "../helpers/import-helpers";
import { DEFAULT_SERIES } from "../helpers/route-helpers";

beforeEach(resetImportTables);

const HEADER = `${EXPORT_COLUMNS.join(",")}\r\n`;

async function exportCsv() {
  const res = await adminGet("/subscribers/export.csv");
  expect(res.status).toBe(200);
  return { res, text: await res.text() };
}

function rowsOf(text: string): Record<string, string>[] {
  const parsed = Papa.parse<Record<string, string>>(text, { header: true, skipEmptyLines: true });
  expect(parsed.errors).toEqual([]);
  return parsed.data;
}

describe("GET /admin/api/subscribers/export.csv", () => {
  it("is a header only when there are no subscribers, as an attachment named by date", async () => {
    const { res, text } = await exportCsv();
    expect(text).toBe(HEADER);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="subscribers-${new Date().toISOString().slice(0, 10)}.csv"`,
    );
  });

  it("gives back what was imported, one row per subscription", async () => {
    const job = await importCsv(
      [
        "email,name,timezone,series,consented_at,consent_source",
        'ann@example.com,"Ann, of ""the list""",Europe/Paris,fixture-four,2026-01-15T09:00:00Z,form',
        "ann@example.com,Ann,Europe/Paris,,2026-01-15T09:00:00Z,form",
        "bob@example.com,Bob,,fixture-four,,",
      ].join("\n"),
    );
    expect(job).toMatchObject({ active: 2, pending: 1 });
    const rows = rowsOf((await exportCsv()).text);
    expect(
      rows.map((row) => [
        row.email,
        row.name,
        row.status,
        row.timezone,
        row.series,
        row.subscription_status,
        row.next_part,
      ]),
    ).toEqual([
      ["ann@example.com", 'Ann, of "the list"', "active", "Europe/Paris", "fixture-four", "active", "1"],
      ["ann@example.com", 'Ann, of "the list"', "active", "Europe/Paris", DEFAULT_SERIES, "active", "1"],
      // A pending reader's name and zone wait for their confirmation (as for a signup).
      ["bob@example.com", "", "pending", "", "fixture-four", "pending", "1"],
    ]);
    expect(rows[0]!.confirmed_at).toBe("2026-01-15T09:00:00.000Z");
    expect(rows[2]!.confirmed_at).toBe("");
    expect(rows[2]!.due_at).toBe("");
    expect(Date.parse(rows[0]!.due_at!)).toBeGreaterThan(Date.parse(job.createdAt) - 1000);
  });

  it("neutralises cells a spreadsheet would run as formulas", async () => {
    await importCsv(
      [
        "email,name,consented_at,consent_source",
        "=1+2@example.com,=HYPERLINK(1),2026-01-01,f",
        "plain@example.com,+Plus -minus,2026-01-01,f",
      ].join("\n"),
    );
    // Names the signup form refuses but an older row may hold: tab, carriage return, @ first.
    await env.DB.prepare(
      `INSERT INTO subscribers (email, email_key, name, status, created_at, updated_at) VALUES
        ('tab@example.com', 'tab@example.com', char(9) || 'cmd', 'active', 0, 0),
        ('cr@example.com', 'cr@example.com', char(13) || '=cmd', 'active', 0, 0),
        ('at@example.com', 'at@example.com', '@SUM(A1)', 'active', 0, 0),
        ('nl@example.com', 'nl@example.com', '-1' || char(10) || '=2', 'active', 0, 0)`,
    ).run();
    const rows = rowsOf((await exportCsv()).text);
    const cells = Object.fromEntries(rows.map((row) => [row.email, row.name]));
    expect(cells).toEqual({
      "'=1+2@example.com": "'=HYPERLINK(1)",
      "plain@example.com": "'+Plus -minus",
      "tab@example.com": "'\tcmd",
      "cr@example.com": "'\r=cmd",
      "at@example.com": "'@SUM(A1)",
      "nl@example.com": "'-1\n=2",
    });
  });

  it("streams every reader in keyset pages of 500: one query a page", async () => {
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1201)
       INSERT INTO subscribers (email, email_key, status, created_at, updated_at) SELECT 'r' || i || '@example.com', 'r' || i || '@example.com', 'active', 0, 0 FROM n`,
    ).run();
    const d1 = recordingD1(env.DB);
    const text = await new Response(exportSubscribersCsv({ db: d1.db })).text();
    const rows = rowsOf(text);
    expect(rows).toHaveLength(1201);
    expect(new Set(rows.map((row) => row.email)).size).toBe(1201);
    expect(rows.every((row) => row.series === "" && row.subscription_status === "")).toBe(true);
    expect(d1.counts.calls).toBe(3);
  });
});

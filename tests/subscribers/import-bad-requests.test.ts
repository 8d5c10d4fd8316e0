import { SELF } from "cloudflare:test";
import Papa from "papaparse";
import { afterEach, describe, expect, it, vi } from "vitest";
import { MAX_IMPORT_ROWS, parseImportCsv } from "../../worker/subscribers/import/parse-import-csv";
import { adminGet, importCsv, postCsv, reportOf } from "../helpers/import-helpers";
import { countRows } from "../helpers/rows";
import { BASE, DEFAULT_SERIES } from "../helpers/route-helpers";

async function errorOf(res: Response) {
  const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
  expect(body.error.requestId).toMatch(/\S/);
  return { status: res.status, code: body.error.code, message: body.error.message };
}

describe("POST /admin/api/subscribers/import refuses", () => {
  it("columns it does not know, naming them", async () => {
    expect(await errorOf(await postCsv("email,phone,Shoe Size\nann@example.com,1,42\n"))).toEqual({
      status: 400,
      code: "BAD_REQUEST",
      message:
        'Unknown column(s): "phone", "shoe size". The columns are email,name,timezone,series,consented_at,consent_source.',
    });
  });

  it("a header without email, a column twice, a header without rows, an unclosed quote", async () => {
    expect(await errorOf(await postCsv("name,timezone\nAnn,Europe/Paris\n"))).toMatchObject({
      status: 400,
      message: "The header has no email column.",
    });
    expect(await errorOf(await postCsv("email,name,email\na@example.com,A,b@example.com\n"))).toMatchObject({
      status: 400,
      message: 'Column "email" appears twice in the header.',
    });
    expect(await errorOf(await postCsv("email,name\n"))).toMatchObject({
      status: 400,
      message: "The CSV has a header but no rows.",
    });
    expect(await errorOf(await postCsv('email,name\nann@example.com,"Ann\n'))).toMatchObject({
      status: 400,
      code: "BAD_REQUEST",
    });
  });

  it("a body that is not text/csv (415), empty (400), or not UTF-8 (400)", async () => {
    expect(
      await errorOf(await postCsv("email\nann@example.com\n", { "content-type": "application/json" })),
    ).toMatchObject({ status: 415, code: "UNSUPPORTED_MEDIA_TYPE" });
    expect(await errorOf(await postCsv("email\nann@example.com\n", { "content-type": "text/plain" }))).toMatchObject({
      status: 415,
    });
    expect(await errorOf(await postCsv(""))).toMatchObject({
      status: 400,
      message: "The body is empty: send the CSV, header row first.",
    });
    expect(await errorOf(await postCsv("  \r\n "))).toMatchObject({ status: 400 });
    expect(
      await errorOf(await postCsv(new Uint8Array([0x65, 0x6d, 0x61, 0x69, 0x6c, 0x0a, 0xff, 0xfe]))),
    ).toMatchObject({ status: 400, message: "The request body is not valid UTF-8." });
  });

  it("a file over 8 MB (413), whether or not it says its length", async () => {
    const big = `email\n${"x".repeat(8 * 1024 * 1024)}`;
    expect(await errorOf(await postCsv(big))).toMatchObject({
      status: 413,
      code: "PAYLOAD_TOO_LARGE",
      message: "The CSV is larger than 8 MB: split it into smaller files.",
    });
    const stream = new Blob([big]).stream();
    const res = await SELF.fetch(`${BASE}/admin/api/subscribers/import`, {
      method: "POST",
      headers: { authorization: "Bearer test-admin-token", "content-type": "text/csv" },
      body: stream,
      duplex: "half",
    } as RequestInit);
    expect(await errorOf(res)).toMatchObject({ status: 413 });
  });

  it("a bad Idempotency-Key, without the admin token, and imports nothing for any of these", async () => {
    expect(
      await errorOf(await postCsv("email\nann@example.com\n", { "idempotency-key": "x".repeat(257) })),
    ).toMatchObject({ status: 400 });
    const res = await SELF.fetch(`${BASE}/admin/api/subscribers/import`, {
      method: "POST",
      headers: { "content-type": "text/csv" },
      body: "email\nann@example.com\n",
    });
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "UNAUTHORIZED" });
    expect(await countRows("import_jobs")).toBe(0);
  });
});

/**
 * What papaparse does while `run` runs (the Worker shares this isolate): the rows it hands over, and the longest
 * array any split builds (its fast path splits the whole file into lines before the first row).
 */
async function parseWork(run: () => Promise<unknown>) {
  const work = { rows: 0, longestSplit: 0 };
  const parse = Papa.parse;
  vi.spyOn(Papa, "parse").mockImplementation(((input: string, config: Papa.ParseConfig<string[]>) => {
    const step = config.step;
    if (!step) {
      const result = parse(input, config);
      work.rows += result.data.length;
      return result;
    }
    return parse(input, {
      ...config,
      step: (result, parser) => {
        work.rows++;
        step(result, parser);
      },
    });
  }) as typeof Papa.parse);
  const split = String.prototype.split;
  vi.spyOn(String.prototype, "split").mockImplementation(function (this: string, ...args: Parameters<string["split"]>) {
    const parts = split.apply(this, args);
    work.longestSplit = Math.max(work.longestSplit, parts.length);
    return parts;
  } as typeof String.prototype.split);
  try {
    await run();
  } finally {
    vi.restoreAllMocks();
  }
  return work;
}

describe("the row cap", () => {
  afterEach(() => vi.restoreAllMocks());

  it("an 8 MB file of 4 million one-letter rows is refused (400) after MAX_IMPORT_ROWS + 2 rows: the rest is never parsed", async () => {
    const works = [];
    for (const rows of [1_000_000, 4_000_000]) {
      let answer: Awaited<ReturnType<typeof errorOf>> | undefined;
      works.push(await parseWork(async () => (answer = await errorOf(await postCsv(`email\n${"a\n".repeat(rows)}`)))));
      expect(answer).toEqual({
        status: 400,
        code: "BAD_REQUEST",
        message: `The CSV has more than ${MAX_IMPORT_ROWS} rows; split it into files of at most ${MAX_IMPORT_ROWS}.`,
      });
    }
    // The header and one row past the cap: enough to answer. Four times the file is no more work (papaparse's
    // line-ending guess splits at most the first megabyte, whatever the size).
    expect(works[0]!.rows).toBe(MAX_IMPORT_ROWS + 2);
    expect(works[1]).toEqual(works[0]);
    expect(await countRows("import_jobs")).toBe(0);
  });

  it("a file at the cap is parsed whole, its blank lines not counted as rows", async () => {
    let parsed: ReturnType<typeof parseImportCsv> | undefined;
    const work = await parseWork(
      async () => (parsed = parseImportCsv(`email\n${"x@example.com\n\n".repeat(MAX_IMPORT_ROWS)}`, DEFAULT_SERIES)),
    );
    expect(parsed!.ok && parsed!.rows.length).toBe(MAX_IMPORT_ROWS);
    expect(work.rows).toBe(MAX_IMPORT_ROWS + 1);
  });
});

describe("GET /admin/api/imports/:id", () => {
  it("answers 404 for an unknown job and 400 for an id that is not one", async () => {
    expect(await errorOf(await adminGet(`/imports/${crypto.randomUUID()}`))).toMatchObject({
      status: 404,
      code: "NOT_FOUND",
    });
    expect(await errorOf(await adminGet(`/imports/${crypto.randomUUID()}/rows`))).toMatchObject({ status: 404 });
    expect(await errorOf(await adminGet("/imports/not-a-job"))).toMatchObject({ status: 400 });
    expect(await errorOf(await adminGet(`/imports/${crypto.randomUUID()}/rows?outcome=great`))).toMatchObject({
      status: 400,
    });
    expect(await errorOf(await adminGet(`/imports/${crypto.randomUUID()}/rows?limit=201`))).toMatchObject({
      status: 400,
    });
    expect(await errorOf(await adminGet(`/imports/${crypto.randomUUID()}/rows?cursor=abc`))).toMatchObject({
      status: 400,
    });
  });
});

describe("a hostile row", () => {
  it("a field of 200 KB is reported invalid by row, cut short, and never makes a queue message over its limit", async () => {
    const huge = "x".repeat(200_000);
    const job = await importCsv(`email,name\nok-row@example.com,Ann\nlong-row@example.com,"${huge}"\n`);
    expect(job).toMatchObject({ status: "done", total: 2, active: 0, pending: 1, skipped: 1 });
    const [invalid] = await reportOf(job.id, "&outcome=invalid");
    expect(invalid).toMatchObject({
      row: 2,
      email: "long-row@example.com",
      message: "A field of this row is longer than 1000 characters.",
    });
  });
});

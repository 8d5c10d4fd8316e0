import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { runAdmin, type Run } from "./run-admin";
import { EXPORT_CHUNKS, importJobId, MOCK_TOKEN, PREVIEW, startMockAdminApi, SUBSCRIBERS } from "./mock-admin-api";

/** `npm run admin` as a child process against the mock admin API; asserts requests and output. */

type MockApi = Awaited<ReturnType<typeof startMockAdminApi>>;
let work: string;

beforeAll(() => {
  work = mkdtempSync(path.join(os.tmpdir(), "nextpart-cli-"));
});
afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

/** A mock API of the test's own (so tests run concurrently), closed when the test ends (the test's own hook). */
async function mockApi(onTestFinished: (fn: () => Promise<void>) => void): Promise<MockApi> {
  const api = await startMockAdminApi();
  onTestFinished(() => api.close());
  return api;
}

function admin(
  api: MockApi,
  args: string[],
  options: { token?: string | null; cwd?: string; env?: Record<string, string> } = {},
): Promise<Run> {
  return runAdmin(api.url, args, {
    token: options.token === undefined ? MOCK_TOKEN : options.token,
    cwd: options.cwd ?? work,
    env: options.env,
  });
}
const paths = (api: MockApi) => api.requests.map((r) => `${r.method} ${r.path}${r.query.size ? `?${r.query}` : ""}`);

describe.concurrent("arguments and usage", () => {
  it("prints the usage on stderr and exits 1 when no command is given", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, []);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("Usage: admin [options] [command]");
    for (const command of ["send", "stats", "growth", "import", "export", "preview", "test-send", "subscribers"])
      expect(run.stderr).toContain(`  ${command} `);
    expect(api.requests).toHaveLength(0);
  });

  it("exits 1 with the command's usage on a bad argument, before any request", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const part = await admin(api, ["preview", "fixture-four", "two"]);
    expect(part.code).toBe(1);
    expect(part.stderr).toContain("argument 'part'");
    expect(part.stderr).toContain("Usage: admin preview [options] <series> <part>");
    const status = await admin(api, ["subscribers", "--status", "sleeping"]);
    expect(status.code).toBe(1);
    expect(status.stderr).toMatch(/Allowed choices are pending, active, paused/);
    const unknown = await admin(api, ["delete-everything"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("unknown command 'delete-everything'");
    expect(api.requests).toHaveLength(0);
  });

  it("--help exits 0 with the usage on stdout", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["import", "--help"]);
    expect(run.code).toBe(0);
    expect(run.stdout.toString()).toContain("Usage: admin import [options] <file>");
  });
});

describe.concurrent("the token and HTTP errors", () => {
  it("reads ADMIN_TOKEN= from .dev.vars, not the comment lines that mention it", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const dir = mkdtempSync(path.join(work, "devvars-"));
    writeFileSync(
      path.join(dir, ".dev.vars"),
      `# ADMIN_TOKEN= protects /admin; npm start fills it\n#ADMIN_TOKEN=commented-out\nADMIN_TOKEN=${MOCK_TOKEN}\n`,
    );
    const run = await admin(api, ["stats"], { token: null, cwd: dir });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(api.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${MOCK_TOKEN}`]);
  });

  it("says where the token comes from when there is none", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["stats"], { token: null });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("no admin token: set NEXTPART_ADMIN_TOKEN");
    expect(api.requests).toHaveLength(0);
  });

  it("exits 1 on 401 with the API's message and request id", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["stats"], { token: "wrong-token" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: Wrong admin token\. \(HTTP 401, UNAUTHORIZED, requestId req-\d+\)\n$/);
    expect(run.stdout.toString()).toBe("");
  });

  it("exits 1 on a 400, in JSON with --json", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["--json", "send", "--series", "nope"]);
    expect(run.code).toBe(1);
    const error = JSON.parse(run.stderr) as {
      error: { code: string; message: string; requestId: string; status: number };
    };
    expect(error.error).toMatchObject({
      code: "NOT_FOUND",
      message: 'series: no series "nope" in the catalog.',
      status: 404,
    });
    expect(error.error.requestId).toMatch(/^req-\d+$/);
  });

  it("exits 1 when the worker cannot be reached", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    await api.close(); // nothing listens on its port any more
    const run = await admin(api, ["stats"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach ${api.url} (ECONNREFUSED): is the worker running (npm start)`);
  });
});

describe.concurrent("commands", () => {
  it("send posts the options as JSON with an Idempotency-Key, and prints the counts", async ({
    expect,
    onTestFinished,
  }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["send", "--dry-run", "--series", "fixture-four", "--subscriber", "12"]);
    expect(run.code, run.stderr).toBe(0);
    expect(paths(api)).toEqual(["POST /admin/api/send"]);
    const [request] = api.requests;
    expect(JSON.parse(request!.body.toString())).toEqual({ dryRun: true, series: "fixture-four", subscriber: 12 });
    expect(request!.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    const out = run.stdout.toString();
    expect(out).toContain("Dry run (mailer: outbox): nothing was sent.");
    expect(out).toMatch(/│ due\s+│ 3\s+│/);
    expect(out).toMatch(/│ sent\s+│ 0\s+│/);
    expect(out).toMatch(/│ queued\s+│ 0\s+│/);
    // In a dry run the per-part counts are who is due, and the column says so.
    expect(out).toMatch(/│ part\s+│ due\s+│/);
    expect(out).toMatch(/│ fixture-four\/1\s+│ 3\s+│/);
    expect(run.stderr).toBe("");
  });

  it("send without --dry-run prints what was sent per part", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["send", "--idempotency-key", "cycle-1"]);
    expect(run.code, run.stderr).toBe(0);
    const [request] = api.requests;
    expect(JSON.parse(request!.body.toString())).toEqual({ dryRun: false });
    expect(request!.headers["idempotency-key"]).toBe("cycle-1");
    const out = run.stdout.toString();
    expect(out).toContain("Delivery cycle done (mailer: outbox).");
    expect(out).toMatch(/│ sent\s+│ 3\s+│/);
    expect(out).toMatch(/│ part\s+│ sent\s+│/);
    expect(out).toMatch(/│ fixture-four\/1\s+│ 3\s+│/);
  });

  it("test-send posts to, series and part with an Idempotency-Key and prints the subject", async ({
    expect,
    onTestFinished,
  }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["test-send", "--to", "me@example.com", "fixture-four", "2"]);
    expect(run.code, run.stderr).toBe(0);
    expect(paths(api)).toEqual(["POST /admin/api/test-send"]);
    const [request] = api.requests;
    expect(JSON.parse(request!.body.toString())).toEqual({ to: "me@example.com", series: "fixture-four", part: 2 });
    expect(request!.headers["content-type"]).toBe("application/json");
    expect(request!.headers["idempotency-key"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(run.stdout.toString()).toBe(
      'Sent "[Test] Fixture Four, Part 2: Fixture part 2" to me@example.com (message 0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9).\n',
    );
  });

  it("test-send needs --to (no request), and exits 1 with the API's message on a bad address", async ({
    expect,
    onTestFinished,
  }) => {
    const api = await mockApi(onTestFinished);
    const missing = await admin(api, ["test-send", "fixture-four", "2"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain("required option '--to <address>' not specified");
    expect(api.requests).toHaveLength(0);
    const bad = await admin(api, ["test-send", "--to", "nobody", "fixture-four", "2"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(
      /^error: to: Please enter a valid email address, like name@example.com. \(HTTP 400, BAD_REQUEST, requestId req-\d+\)\n$/,
    );
    expect(api.requests).toHaveLength(1);
  });

  it("stats prints a row per part", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["stats", "--series", "fixture-four"]);
    expect(run.code, run.stderr).toBe(0);
    expect(paths(api)).toEqual(["GET /admin/api/stats?series=fixture-four"]);
    const out = run.stdout.toString();
    expect(out).toContain("fixture-four — Fixture Four");
    expect(out).toContain("readers: active 4, pending 0, paused 1, stopped 0; caught up: 1");
    expect(out).toMatch(/│ 1\s+│ fixture-part-1\s+│ 17\s+│ 16\s+│ 9\s+│ 4\s+│ 2\s+│ 1\s+│ 0\s+│ 0\s+│ 0\s+│/);
    expect(out).toMatch(/│ 2\s+│ fixture-part-2\s+│ 11\s+│/);
    expect(out).toContain('"Still reading?" (after 4 quiet parts, 7 days to answer): asked 3, kept 1, paused 1');
  });

  it("growth prints each series' totals and the days that had any, parsed with the API's own schema", async ({
    expect,
    onTestFinished,
  }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["growth", "--series", "fixture-four", "--days", "90"]);
    expect(run.code, run.stderr).toBe(0);
    expect(paths(api)).toEqual(["GET /admin/api/growth?series=fixture-four&days=90"]);
    const out = run.stdout.toString();
    expect(out).toContain("The last 90 days, 2026-09-03 to 2026-12-01 (UTC days)");
    expect(out).toContain("fixture-four — Fixture Four: signups 7, confirmations 3, unsubscribes 1");
    const rows = out
      .split("\n")
      .filter((line) => /│ 2026-/.test(line))
      .map((line) =>
        line
          .split("│")
          .slice(1, -1)
          .map((cell) => cell.trim()),
      );
    expect(rows).toEqual([
      ["2026-11-29", "2", "0", "1"],
      ["2026-12-01", "5", "3", "0"],
    ]);
    const json = await admin(api, ["--json", "growth"]);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout.toString())).toMatchObject({
      days: 30,
      to: "2026-12-01",
      series: [{ series: "fixture-four" }],
    });
    // A window the API does not keep is refused before any request.
    const bad = await admin(api, ["growth", "--days", "7"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/Allowed choices are 30, 90/);
    expect(api.requests).toHaveLength(2);
  });

  it("subscribers prints one page and says how to get the next", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["subscribers", "--status", "active", "--limit", "2", "--q", "reader"]);
    expect(run.code, run.stderr).toBe(0);
    expect(paths(api)).toEqual(["GET /admin/api/subscribers?q=reader&status=active&limit=2"]);
    const out = run.stdout.toString();
    expect(out).toContain("reader5@example.com");
    expect(out).toContain("reader4@example.com");
    expect(out).not.toContain("reader3@example.com");
    expect(run.stderr).toContain("--cursor 4");
  });

  it("subscribers --all follows next_cursor to the last page; control characters are shown, not sent to the terminal", async ({
    expect,
    onTestFinished,
  }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["subscribers", "--all", "--limit", "2"]);
    expect(run.code, run.stderr).toBe(0);
    expect(paths(api)).toEqual([
      "GET /admin/api/subscribers?limit=2",
      "GET /admin/api/subscribers?limit=2&cursor=4",
      "GET /admin/api/subscribers?limit=2&cursor=2",
    ]);
    const out = run.stdout.toString();
    for (const s of SUBSCRIBERS) expect(out).toContain(s.email);
    expect(out).toContain("fixture-four (active, next part 3)");
    expect(out).toContain("Zoë \\u001b[31mred");
    expect(out).not.toContain("\u001b");
    expect(run.stderr).toBe("");
  });

  it("subscribers --all --json gives every item as one page", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["--json", "subscribers", "--all", "--limit", "2"]);
    expect(run.code, run.stderr).toBe(0);
    const page = JSON.parse(run.stdout.toString()) as {
      data: { id: number }[];
      has_more: boolean;
      next_cursor: string | null;
    };
    expect(page.data.map((s) => s.id)).toEqual([5, 4, 3, 2, 1]);
    expect(page).toMatchObject({ has_more: false, next_cursor: null });
  });

  it("import posts the CSV with a key from its hash, follows the job, prints the counts and the skipped rows; a re-run sends the same key", async ({
    expect,
    onTestFinished,
  }) => {
    const api = await mockApi(onTestFinished);
    const csv =
      "email,name,timezone,series,consented_at,consent_source\nnew@example.com,New,UTC,fixture-four,2026-11-01,form\n";
    const file = path.join(work, "readers.csv");
    writeFileSync(file, csv);
    const first = await admin(api, ["import", file, "--poll-interval", "50"]);
    expect(first.code, first.stderr).toBe(0);
    const post = api.requests[0]!;
    expect(`${post.method} ${post.path}`).toBe("POST /admin/api/subscribers/import");
    expect(post.headers["content-type"]).toBe("text/csv");
    expect(post.body.toString()).toBe(csv);
    const key = `import-${createHash("sha256").update(csv).digest("hex")}`;
    expect(post.headers["idempotency-key"]).toBe(key);
    const job = importJobId(1);
    // queued → running 3/6 → done: two polls, then the reported outcomes, two invalid rows on two pages.
    expect(paths(api).slice(1)).toEqual([
      `GET /admin/api/imports/${job}`,
      `GET /admin/api/imports/${job}`,
      `GET /admin/api/imports/${job}/rows?outcome=invalid`,
      `GET /admin/api/imports/${job}/rows?outcome=invalid&cursor=1`,
      `GET /admin/api/imports/${job}/rows?outcome=duplicate`,
      `GET /admin/api/imports/${job}/rows?outcome=suppressed`,
    ]);
    const out = first.stdout.toString();
    expect(out).toContain(`Import ${job}: done`);
    expect(out).toMatch(/│ 6\s+│ 6\s+│ 1\s+│ 1\s+│ 4\s+│/);
    expect(out).toMatch(/│ 3\s+│ not-an-address\s+│ invalid\s+│ email: not an email address\s+│/);
    expect(out).toMatch(/│ 4\s+│ x@example.com\s+│ invalid\s+│ timezone: not an IANA timezone\s+│/);
    expect(out).toMatch(/│ 5\s+│ reader1@example.com\s+│ duplicate\s+│/);
    expect(out).toMatch(/│ 6\s+│ gone@example.com\s+│ suppressed\s+│/);
    expect(out).not.toContain("new@example.com");

    const before = api.requests.length;
    const again = await admin(api, ["import", file, "--poll-interval", "50"]);
    expect(again.code, again.stderr).toBe(0);
    expect(api.requests[before]!.headers["idempotency-key"]).toBe(key);
    expect(again.stdout.toString()).toContain(`Import ${job}: done`);
    expect(again.stderr).toContain(`This file was sent before: import ${job} is that first import`);
    expect(first.stderr).not.toContain("sent before");
  });

  it("import of a missing file exits 1 without a request", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["import", path.join(work, "nothing.csv")]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain("cannot read");
    expect(run.stderr).toContain("ENOENT");
    expect(api.requests).toHaveLength(0);
  });

  it("export writes the CSV byte for byte to FILE and reports the size on stderr", async ({
    expect,
    onTestFinished,
  }) => {
    const api = await mockApi(onTestFinished);
    const file = path.join(work, "export.csv");
    const run = await admin(api, ["export", file]);
    expect(run.code, run.stderr).toBe(0);
    expect(paths(api)).toEqual(["GET /admin/api/subscribers/export.csv"]);
    const sent = Buffer.concat(EXPORT_CHUNKS);
    expect(readFileSync(file).equals(sent)).toBe(true);
    expect(existsSync(`${file}.part`)).toBe(false);
    expect(run.stderr).toContain(`${file}: ${sent.length} bytes, 4 lines`);
    expect(run.stdout.length).toBe(0);
  });

  it("export without FILE streams the CSV to stdout byte for byte", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["export"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.equals(Buffer.concat(EXPORT_CHUNKS))).toBe(true);
  });

  it("preview writes the part to stdout in the format asked", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["preview", "fixture-four", "2", "--format", "text"]);
    expect(run.code, run.stderr).toBe(0);
    expect(paths(api)).toEqual(["GET /admin/api/preview/fixture-four/2?format=text"]);
    expect(run.stdout.toString()).toBe(PREVIEW.text);
  });

  it("preview --open writes a temp file and hands it to $BROWSER", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const opened = path.join(work, "opened.txt");
    const browser = path.join(work, "browser.sh");
    writeFileSync(browser, `#!/bin/sh\necho "$1" > ${opened}\n`, { mode: 0o755 });
    const run = await admin(api, ["preview", "fixture-four", "2", "--open"], { env: { BROWSER: browser } });
    expect(run.code, run.stderr).toBe(0);
    const file = /preview written to (\S+)/.exec(run.stderr)?.[1];
    if (file) onTestFinished(async () => rmSync(path.dirname(file), { recursive: true, force: true }));
    expect(file).toMatch(/fixture-four-2\.html$/);
    expect(readFileSync(file!, "utf8")).toBe(PREVIEW.html);
    await expect.poll(() => existsSync(opened) && readFileSync(opened, "utf8").trim()).toBe(file);
  });

  it("preview of an unknown series exits 1 with the API's message", async ({ expect, onTestFinished }) => {
    const api = await mockApi(onTestFinished);
    const run = await admin(api, ["preview", "no-such-series", "1"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(
      'error: series: no series "no-such-series" in the catalog. (HTTP 404, NOT_FOUND, requestId req-',
    );
  });
});

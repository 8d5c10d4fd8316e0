import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyLocalMigrations, freePort, startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { MOCK_TOKEN, startMockAdminApi } from "../cli/mock-admin-api";
import { openApiChecker } from "../cli/openapi-contract";
import { probeAdminApi } from "../cli/probe-admin-api";
import { runAdmin } from "../cli/run-admin";

/**
 * The admin CLI against the real Worker (`wrangler dev`, a fresh local D1): import, find, export, preview, dry
 * run, test send, a wrong token. Then the CLI tests' mock is held to the real API: the same requests to both
 * answer the same status codes and headers, and the mock's bodies validate against the Worker's OpenAPI document.
 */
const ADMIN_TOKEN = `cli-admin-${randomBytes(12).toString("hex")}`;
const SERIES = "origins-of-lead-change";

/** Consented, pending, invalid and a duplicate of the first row: four outcomes, two readers. */
const CSV = [
  "email,name,timezone,series,consented_at,consent_source",
  `ada.e2e@example.com,Ada E2E,Europe/London,${SERIES},2026-11-01T10:00:00Z,cli-e2e`,
  "pat.e2e@example.com,Pat E2E,,,,",
  "not-an-address,Bad Row,,,,",
  `ada.e2e@example.com,Ada Again,,${SERIES},2026-11-01T10:00:00Z,cli-e2e`,
].join("\n");

describe("the admin CLI against the real local Worker", () => {
  let worker: LocalWorker | undefined;
  let mock: Awaited<ReturnType<typeof startMockAdminApi>> | undefined;
  let work = "";
  let persistTo = "";
  let url = "";
  const admin = (args: string[], token: string | null = ADMIN_TOKEN) => runAdmin(url, args, { token, cwd: work });
  const api = async (pathAndQuery: string) => {
    const response = await fetch(`${url}/admin/api${pathAndQuery}`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(response.status, pathAndQuery).toBe(200);
    return response.json();
  };

  beforeAll(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), "nextpart-cli-e2e-"));
    persistTo = mkdtempSync(path.join(os.tmpdir(), "nextpart-cli-e2e-d1-"));
    applyLocalMigrations(persistTo);
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    worker = await startLocalWorker({
      port,
      persistTo,
      vars: {
        ADMIN_TOKEN,
        SIGNING_KEYS: `c1:cli-signing-${randomBytes(16).toString("hex")}`,
        HASH_SECRET: `cli-hash-${randomBytes(16).toString("hex")}`,
        RESEND_API_KEY: "",
        TURNSTILE_SECRET: "",
        TURNSTILE_SITE_KEY: "",
        PUBLIC_URL: url,
        PROVIDER_RPS: "0",
      },
    });
  });

  afterAll(async () => {
    // Each step on its own: a failed start leaves some of these unset, and one failure must not skip the rest.
    await Promise.allSettled([worker?.stop(), mock?.close()]);
    for (const dir of [work, persistTo]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("import reports each row; subscribers --q then finds the imported reader", async () => {
    const file = path.join(work, "readers.csv");
    writeFileSync(file, CSV);
    const run = await admin(["import", file, "--poll-interval", "200", "--timeout", "30"]);
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout.toString();
    expect(out).toMatch(/^Import [0-9a-f-]{36}: done\n/);
    // total, processed, active, pending, skipped
    expect(out).toMatch(/│ 4\s+│ 4\s+│ 1\s+│ 1\s+│ 2\s+│/);
    expect(out).toMatch(/│ 3\s+│ not-an-address\s+│ invalid\s+│ email: /);
    expect(out).toMatch(/│ 4\s+│ ada\.e2e@example\.com\s+│ duplicate\s+│/);
    expect(out).not.toContain("pat.e2e@example.com");
    expect(run.stderr).toMatch(/import [0-9a-f-]{36}: done, 4\/4 rows/);

    const found = await admin(["subscribers", "--q", "ada.e2e"]);
    expect(found.code, found.stderr).toBe(0);
    expect(found.stdout.toString()).toMatch(
      /│ \d+\s+│ ada\.e2e@example\.com\s+│ Ada E2E\s+│ active\s+│ origins-of-lead-change \(active, next part 1\)/,
    );
    expect(found.stdout.toString()).not.toContain("pat.e2e");

    const pending = await admin([
      "--json",
      "subscribers",
      "--status",
      "pending",
      "--series",
      SERIES,
      "--all",
      "--limit",
      "1",
    ]);
    expect(pending.code, pending.stderr).toBe(0);
    const page = JSON.parse(pending.stdout.toString()) as {
      data: { email: string; status: string }[];
      has_more: boolean;
    };
    expect(page.data.map((s) => [s.email, s.status])).toEqual([["pat.e2e@example.com", "pending"]]);
    expect(page.has_more).toBe(false);
  });

  it("export writes every reader to FILE and reports its size", async () => {
    const file = path.join(work, "export.csv");
    const run = await admin(["export", file]);
    expect(run.code, run.stderr).toBe(0);
    const csv = readFileSync(file, "utf8");
    // RFC 4180 line ends.
    expect(csv.endsWith("\r\n")).toBe(true);
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "email,name,status,timezone,created_at,confirmed_at,series,subscription_status,next_part,due_at",
    );
    expect(
      lines
        .slice(1)
        .map((line) => line.split(",").slice(0, 3).join(","))
        .sort(),
    ).toEqual([
      "ada.e2e@example.com,Ada E2E,active",
      // A pending reader's name is kept with the confirmation, not on the reader, until they confirm.
      "pat.e2e@example.com,,pending",
    ]);
    expect(run.stderr).toContain(`${file}: ${Buffer.byteLength(csv)} bytes, 3 lines`);
  });

  it("preview --format text holds the part's title; html is the email's markup", async () => {
    const series = (await api("/series")) as { data: { slug: string; parts: { number: number; title: string }[] }[] };
    const title = series.data.find((s) => s.slug === SERIES)!.parts[0]!.title;
    const text = await admin(["preview", SERIES, "1", "--format", "text"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.toString()).toContain(title);
    expect(text.stdout.toString()).toContain("Hi Sample Reader,");
    const html = await admin(["preview", SERIES, "1", "--format", "html"]);
    expect(html.code, html.stderr).toBe(0);
    expect(html.stdout.toString()).toMatch(/^<!DOCTYPE html/);
    const missing = await admin(["preview", SERIES, "99"]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(
      new RegExp(
        `^error: part: series "${SERIES}" has \\d+ part\\(s\\)\\. \\(HTTP 404, NOT_FOUND, requestId [0-9a-f-]{36}\\)\\n$`,
      ),
    );
  });

  it("send --dry-run exits 0 and prints who is due, sending nothing", async () => {
    const run = await admin(["send", "--dry-run"]);
    expect(run.code, run.stderr).toBe(0);
    const out = run.stdout.toString();
    expect(out).toContain("Dry run (mailer: outbox): nothing was sent.");
    // Ada (consented) is due now; Pat waits for confirmation.
    expect(out).toMatch(/│ due\s+│ 1\s+│/);
    expect(out).toMatch(/│ sent\s+│ 0\s+│/);
    expect(out).toMatch(/│ origins-of-lead-change\/1\s+│ 1\s+│/);
    const outbox = (await api("/outbox?to=ada.e2e@example.com")) as { data: unknown[] };
    expect(outbox.data).toHaveLength(0);
  });

  it("send delivers the part to the reader who was due, and the same key replays instead of sending again", async () => {
    const run = await admin(["send", "--series", SERIES, "--idempotency-key", "cli-e2e-send-1"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.toString()).toContain("Delivery cycle done (mailer: outbox).");
    expect(run.stdout.toString()).toMatch(/│ sent\s+│ 1\s+│/);
    expect(run.stdout.toString()).toMatch(/│ part\s+│ sent\s+│\n[^\n]*\n│ origins-of-lead-change\/1\s+│ 1\s+│/);
    const again = await admin(["send", "--series", SERIES, "--idempotency-key", "cli-e2e-send-1"]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain("Idempotent-Replayed");
    const outbox = (await api("/outbox?to=ada.e2e@example.com")) as { data: unknown[] };
    expect(outbox.data).toHaveLength(1);
  });

  it("test-send mails the part, marked as a test, to the address given", async () => {
    const run = await admin(["test-send", "--to", "editor.e2e@example.com", SERIES, "1"]);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout.toString()).toMatch(/^Sent "\[Test\] .+" to editor\.e2e@example\.com \(message [\w-]+\)\.\n$/);
    const outbox = (await api("/outbox?to=editor.e2e@example.com")) as {
      data: { subject: string; headers: Record<string, string> }[];
    };
    expect(outbox.data).toHaveLength(1);
    expect(outbox.data[0]!.subject).toMatch(/^\[Test\] /);
  });

  it("a wrong token exits 1 with the API's message", async () => {
    const run = await admin(["stats"], "not-the-admin-token");
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^error: Wrong admin token\. \(HTTP 401, UNAUTHORIZED, requestId [0-9a-f-]{36}\)\n$/);
    expect(run.stdout.length).toBe(0);
  });

  it("the CLI tests' mock answers what the real API answers", async () => {
    const documentResponse = await fetch(`${url}/admin/api/openapi.json`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(documentResponse.status).toBe(200);
    const check = openApiChecker((await documentResponse.json()) as Record<string, unknown>);
    mock = await startMockAdminApi();
    const csv = "email,name\nprobe.e2e@example.com,Probe\nnot-an-address,Bad\n";
    const real = await probeAdminApi({ url, token: ADMIN_TOKEN, series: SERIES, part: 1, csv });
    const mocked = await probeAdminApi({ url: mock.url, token: MOCK_TOKEN, series: "fixture-four", part: 2, csv });
    expect(mocked.map((a) => a.name)).toEqual(real.map((a) => a.name));

    const view = (a: (typeof real)[number]) => ({
      name: a.name,
      status: a.status,
      mediaType: (a.contentType ?? "").split(";")[0]!.toLowerCase(),
      wwwAuthenticate: a.headers.wwwAuthenticate,
      replayed: a.headers.replayed,
      requestId: a.headers.requestId,
    });
    expect(mocked.map(view)).toEqual(real.map(view));
    // The export is text/csv, which the document does not describe: its columns and line ends must match.
    const head = (answers: typeof real) => answers.find((a) => a.name === "export")!.body.split("\r\n")[0];
    expect(head(mocked)).toBe(head(real));
    // Both against the document: the real answers too, so a drifting API is caught here as well.
    expect(real.flatMap(check)).toEqual([]);
    expect(mocked.flatMap(check)).toEqual([]);
  });
});

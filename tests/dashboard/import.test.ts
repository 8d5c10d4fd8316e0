import { beforeEach, describe, expect, it, vi } from "vitest";
import { resetImportTables } from "../helpers/import-helpers";
import { countRows } from "../helpers/rows";
import { decodeEntities } from "../helpers/route-helpers";
import { dashboardGet, dashboardUpload, signIn, type DashboardSession } from "./dashboard-helpers";

let session: DashboardSession;
beforeEach(async () => {
  await resetImportTables();
  session = await signIn();
});

const CSV = [
  "email,name,series,consented_at,consent_source",
  "consented@example.com,Con,fixture-four,2026-01-31,newsletter form",
  "pending@example.com,Pen,fixture-four,,",
  "not-an-address,Bad,fixture-four,,",
].join("\n");

/** Uploads through the form, follows the redirect, and polls the job page as its meta refresh would. */
async function importThroughForm(csv: string): Promise<{ path: string; html: string }> {
  const res = await dashboardUpload("/admin/import", session, { name: "readers.csv", content: csv });
  expect(res.status).toBe(303);
  const path = res.headers.get("location")!;
  expect(path).toMatch(/^\/admin\/imports\/[0-9a-f-]{36}$/);
  let html = "";
  await vi.waitFor(
    async () => {
      html = decodeEntities(await (await dashboardGet(path, session)).text());
      expect(html).toContain("<h1>Import report</h1>");
    },
    { timeout: 15_000, interval: 100 },
  );
  return { path, html };
}

describe("import a CSV from the dashboard", () => {
  it("runs the API's import: one active, one pending, one invalid, with the report", async () => {
    const { path, html } = await importThroughForm(CSV);
    expect(html).toContain("Done: 3 rows, 1 active, 1 pending, 1 skipped.");
    expect(html).not.toContain('http-equiv="refresh"');
    const rows = [
      ...html.matchAll(/<tr class="outcome-(\w+)"><td class="num">(\d+)<\/td><td class="wrap">([^<]*)<\/td>/g),
    ].map((m) => [m[1], Number(m[2]), m[3]]);
    expect(rows).toEqual([
      ["active", 1, "consented@example.com"],
      ["pending", 2, "pending@example.com"],
      ["invalid", 3, "not-an-address"],
    ]);
    expect(html).toContain("email: Please enter a valid email address");
    expect(await countRows("subscribers")).toBe(2);
    expect(await countRows("subscriptions", "status = 'active'")).toBe(1);

    const invalid = decodeEntities(await (await dashboardGet(`${path}?outcome=invalid`, session)).text());
    expect([...invalid.matchAll(/<tr class="outcome-(\w+)">/g)].map((m) => m[1])).toEqual(["invalid"]);
    expect((await dashboardGet(`${path}?outcome=bogus`, session)).status).toBe(400);
  });

  it("pages the report (50 rows a page, in file order)", async () => {
    const csv = ["email", ...Array.from({ length: 60 }, (_, i) => `bad-${i + 1}`)].join("\n");
    const { path, html } = await importThroughForm(csv);
    expect([...html.matchAll(/<tr class="outcome-invalid">/g)]).toHaveLength(50);
    const next = /<a href="([^"]+)">Next rows<\/a>/.exec(html)![1]!;
    expect(next).toBe(`${path}?cursor=50`);
    const second = await (await dashboardGet(next, session)).text();
    expect([...second.matchAll(/<tr class="outcome-invalid"><td class="num">(\d+)/g)].map((m) => Number(m[1]))).toEqual(
      Array.from({ length: 10 }, (_, i) => 51 + i),
    );
    expect(second).not.toContain("Next rows");
  });

  it("a job still running refreshes itself every 2 seconds, without JavaScript", async () => {
    const { env } = await import("cloudflare:workers");
    const id = crypto.randomUUID();
    await env.DB.prepare(
      `INSERT INTO import_jobs (id, status, total, chunks, processed, active, pending, skipped, created_at) VALUES (?1, 'running', 10, 1, 4, 3, 1, 0, ?2)`,
    )
      .bind(id, Date.now())
      .run();
    const html = await (await dashboardGet(`/admin/imports/${id}`, session)).text();
    expect(html).toContain('<meta http-equiv="refresh" content="2"/>');
    expect(html).toContain("4 of 10 rows processed.");
    expect(html).toContain('<progress max="10" value="4"');
    expect(html).not.toContain('id="report-h"');
  });

  it("a bad CSV is a 400 page showing the parser's message; nothing is imported", async () => {
    const bad: [string, string][] = [
      ["email,colour\nann@example.com,red", 'Unknown column(s): "colour".'],
      ["name\nAnn", "The header has no email column."],
      ["email\n", "The CSV has a header but no rows."],
      ["  \n", "The file is empty"],
    ];
    for (const [csv, message] of bad) {
      const res = await dashboardUpload("/admin/import", session, { name: "bad.csv", content: csv });
      expect(res.status, csv).toBe(400);
      const html = decodeEntities(await res.text());
      expect(html, csv).toContain(message);
      expect(html, csv).toContain('enctype="multipart/form-data"');
    }
    const none = await dashboardUpload("/admin/import", session, null);
    expect(none.status).toBe(400);
    expect(await none.text()).toContain("Choose a CSV file to upload");
    const latin1 = await dashboardUpload("/admin/import", session, {
      name: "latin1.csv",
      content: new Uint8Array([0x65, 0x6d, 0x61, 0x69, 0x6c, 0x0a, 0xe9, 0x40, 0x78, 0x2e, 0x66, 0x72]),
    });
    expect(latin1.status).toBe(400);
    expect(await latin1.text()).toContain("The file is not valid UTF-8.");
    expect(await countRows("import_jobs")).toBe(0);
  });

  it("an unknown or malformed job id is a 404 page", async () => {
    for (const id of [crypto.randomUUID(), "not-a-uuid"]) {
      const res = await dashboardGet(`/admin/imports/${id}`, session);
      expect(res.status).toBe(404);
      expect(await res.text()).toContain("There is no import with that id.");
    }
  });
});

describe("export every reader", () => {
  it("streams the API's CSV as an attachment, behind the session", async () => {
    await importThroughForm(CSV);
    const res = await dashboardGet("/admin/export.csv", session);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toMatch(
      /^attachment; filename="subscribers-\d{4}-\d{2}-\d{2}\.csv"$/,
    );
    const lines = (await res.text()).trim().split("\r\n");
    expect(lines[0]).toBe(
      "email,name,status,timezone,created_at,confirmed_at,series,subscription_status,next_part,due_at",
    );
    expect(
      lines
        .slice(1)
        .map((line) => line.split(",")[0])
        .sort(),
    ).toEqual(["consented@example.com", "pending@example.com"]);
  });
});

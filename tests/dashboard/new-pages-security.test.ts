import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { resetImportTables } from "../helpers/import-helpers";
import { deliveredReader } from "../helpers/reader-helpers";
import { escapeHtml, uniqueEmail } from "../helpers/route-helpers";
import { countRows, findSubscriber } from "../helpers/rows";
import { dashboardGet, dashboardPost, dashboardUpload, signIn, type DashboardSession } from "./dashboard-helpers";

let session: DashboardSession;
let readerId: number;
let readerEmail: string;
beforeAll(async () => {
  await resetImportTables();
  session = await signIn();
  const reader = await deliveredReader({ series: "origins-of-lead-change", email: uniqueEmail("dash-sec") });
  readerId = reader.subscriberId;
  readerEmail = reader.email;
});

/** Everything a POST of the new pages could change. */
async function snapshot() {
  const tables = [
    "subscribers",
    "subscriptions",
    "deliveries",
    "outbox",
    "import_jobs",
    "suppressions",
    "rate_counters",
  ];
  const rows = await env.DB.batch(tables.map((table) => env.DB.prepare(`SELECT count(*) AS n FROM ${table}`)));
  const state = await env.DB.prepare("SELECT status, next_part AS nextPart FROM subscriptions WHERE subscriber_id = ?1")
    .bind(readerId)
    .first();
  return { counts: rows.map((r) => (r.results[0] as { n: number }).n), state };
}

const posts = (): [string, Record<string, string>][] => [
  [`/admin/readers/${readerId}/pause`, {}],
  [`/admin/readers/${readerId}/resume`, { series: "origins-of-lead-change" }],
  [`/admin/readers/${readerId}/move`, { series: "origins-of-lead-change", part: "1" }],
  [`/admin/readers/${readerId}/erase`, { confirm: readerEmail }],
  ["/admin/preview/test-send", { series: "fixture-four", part: "1", to: "csrf@example.com" }],
];

describe("the new POSTs go through the dashboard's CSRF checks", () => {
  it("without the form token: 403 each, nothing changed", async () => {
    const before = await snapshot();
    for (const [path, fields] of posts())
      expect((await dashboardPost(path, session, fields, { csrf: null })).status, path).toBe(403);
    expect(
      (
        await dashboardUpload(
          "/admin/import",
          session,
          { name: "a.csv", content: "email\na@example.com" },
          { csrf: null },
        )
      ).status,
    ).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it("from another site: 403 each, nothing changed", async () => {
    const before = await snapshot();
    for (const [path, fields] of posts())
      expect((await dashboardPost(path, session, fields, { origin: "https://evil.example" })).status, path).toBe(403);
    expect(
      (
        await dashboardUpload(
          "/admin/import",
          session,
          { name: "a.csv", content: "email\na@example.com" },
          { origin: "https://evil.example" },
        )
      ).status,
    ).toBe(403);
    expect(await snapshot()).toEqual(before);
  });

  it("without a session: every new page and POST goes to sign-in (303), nothing changed", async () => {
    const before = await snapshot();
    const pages = [
      `/admin/readers/${readerId}`,
      `/admin/readers/${readerId}/erase`,
      `/admin/readers/${readerId}/export.json`,
      "/admin/preview?series=fixture-four&part=1",
      "/admin/import",
      `/admin/imports/${crypto.randomUUID()}`,
      "/admin/export.csv",
    ];
    for (const path of pages) {
      const res = await dashboardGet(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get("location"), path).toBe(`/admin/sign-in?${new URLSearchParams({ next: path })}`);
    }
    for (const [path, fields] of posts())
      expect((await dashboardPost(path, null, fields, { csrf: session.csrf })).status, path).toBe(303);
    expect(
      (
        await dashboardUpload(
          "/admin/import",
          null,
          { name: "a.csv", content: "email\na@example.com" },
          { csrf: session.csrf },
        )
      ).status,
    ).toBe(303);
    expect(await snapshot()).toEqual(before);
  });

  it("GET on an action URL changes nothing (404)", async () => {
    for (const path of [
      `/admin/readers/${readerId}/pause`,
      `/admin/readers/${readerId}/move`,
      "/admin/preview/test-send",
    ]) {
      expect((await dashboardGet(path, session)).status, path).toBe(404);
    }
    expect(await findSubscriber(readerEmail)).not.toBeNull();
  });
});

describe("the upload's size limit is the API's (8 MB), not the forms' 8 KB", () => {
  it("a 300 KB file is taken; one over 8 MB is a 413 page", async () => {
    // ~300 KB in 3,000 rows (over the global 256 KB and the forms' 8 KB).
    const big = [
      "email,name",
      ...Array.from({ length: 3000 }, (_, i) => `big-${i}-not-an-address,${"a".repeat(90)}`),
    ].join("\n");
    expect(big.length).toBeGreaterThan(290_000);
    expect((await dashboardUpload("/admin/import", session, { name: "big.csv", content: big })).status).toBe(303);
    const jobs = await countRows("import_jobs");
    const tooBig = await dashboardUpload("/admin/import", session, {
      name: "huge.csv",
      content: new Uint8Array(8 * 1024 * 1024 + 1).fill(0x61),
    });
    expect(tooBig.status).toBe(413);
    expect(await tooBig.text()).toContain("The CSV is larger than 8 MB");
    expect(await countRows("import_jobs")).toBe(jobs);
    // Other forms keep their small limit.
    expect(
      (
        await dashboardPost("/admin/preview/test-send", session, {
          series: "fixture-four",
          part: "1",
          to: "x".repeat(9000),
        })
      ).status,
    ).toBe(413);
  });
});

describe("what readers and files bring is text on the new pages", () => {
  const NAME = "<script>alert(1)</script>";
  const MARKUP = `"><img src=x onerror=alert(2)>`;

  it("the reader page, the erase pages and the import report escape it", async () => {
    const reader = await deliveredReader({ series: "origins-of-lead-change", email: uniqueEmail("dash-xss") });
    await env.DB.batch([
      env.DB.prepare("UPDATE subscribers SET name = ?1, timezone = ?2 WHERE id = ?3").bind(
        NAME,
        MARKUP,
        reader.subscriberId,
      ),
      env.DB.prepare(
        `INSERT INTO responses (delivery_id, subscriber_id, series, part_number, part_id, body, created_at, updated_at) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?6)`,
      ).bind(reader.deliveryId, reader.subscriberId, reader.series, reader.partId, MARKUP, Date.now()),
      env.DB.prepare(
        `INSERT INTO clicks (delivery_id, subscriber_id, series, part_number, part_id, link, created_at) VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6)`,
      ).bind(
        reader.deliveryId,
        reader.subscriberId,
        reader.series,
        reader.partId,
        `https://x.example/${MARKUP}`,
        Date.now(),
      ),
    ]);
    const upload = await dashboardUpload("/admin/import", session, {
      name: "x.csv",
      content: `email,name\n<img src=x onerror=alert(2)>,${NAME}`,
    });
    expect(upload.status).toBe(303);
    const pages = [
      await dashboardGet(`/admin/readers/${reader.subscriberId}`, session),
      await dashboardGet(`/admin/readers/${reader.subscriberId}/erase`, session),
      await dashboardPost(`/admin/readers/${reader.subscriberId}/erase`, session, { confirm: MARKUP }),
    ];
    const page = await pages[0]!.clone().text();
    expect(page).toContain(`<dd class="wrap">${escapeHtml(NAME)}</dd>`);
    expect(page).toContain(`<dd>${escapeHtml(MARKUP)}</dd>`);
    expect(page).toContain(escapeHtml(`https://x.example/${MARKUP}`));
    for (const res of pages) {
      const html = await res.text();
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toContain("<img src=x");
    }
    let report = "";
    for (let i = 0; i < 100 && !report.includes("Import report"); i++) {
      report = await (await dashboardGet(upload.headers.get("location")!, session)).text();
      if (!report.includes("Import report")) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(report).toContain(`<td class="wrap">${escapeHtml("<img src=x onerror=alert(2)>")}</td>`);
    expect(report).not.toContain("<img src=x");
  });
});

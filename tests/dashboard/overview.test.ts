import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { RECENT_LIMIT } from "../../worker/stats/recent-activity";
import { recentSql } from "../../worker/stats/stats-queries";
import { resetDatabase, seedReaders } from "../helpers/delivery-helpers";
import { decodeEntities } from "../helpers/route-helpers";
import { dashboardGet, dashboardPost, signIn, type DashboardSession } from "./dashboard-helpers";

const SERIES = "fixture-four";
let session: DashboardSession;
let html: string;

/** The text description of a series' funnel SVG. */
function svgDesc(page: string, series: string): string {
  const match = new RegExp(`<desc id="funnel-${series}-desc">([^<]*)</desc>`).exec(page);
  return decodeEntities(match?.[1] ?? "");
}

beforeAll(async () => {
  await resetDatabase();
  session = await signIn();
  // 5 readers get part 1; 2 more are pending; the counters of part 1 then move as webhooks and links would.
  await seedReaders({ series: SERIES, count: 5, prefix: "dash-over-" });
  await seedReaders({ series: SERIES, count: 2, prefix: "dash-pend-", status: "pending", dueAt: null });
  expect((await dashboardPost("/admin/send", session, { series: SERIES })).status).toBe(200);
  const partOne = (await env.DB.prepare("SELECT DISTINCT part_id AS id FROM deliveries").first<{ id: string }>())!.id;
  await env.DB.prepare(
    "UPDATE part_stats SET delivered = 4, human_clicks = 2, responses = 1, unsubscribes = 1 WHERE series = ?1 AND part_id = ?2",
  )
    .bind(SERIES, partOne)
    .run();
  const first = (await env.DB.prepare(
    "SELECT id, subscriber_id AS subscriberId FROM deliveries ORDER BY id LIMIT 1",
  ).first<{ id: number; subscriberId: number }>())!;
  await env.DB.batch([
    env.DB.prepare(
      `INSERT INTO events (subscriber_id, delivery_id, type, data, created_at) VALUES (?1, ?2, 'bounced', json_object('reason', 'bounced'), ?3)`,
    ).bind(first.subscriberId, first.id, Date.now()),
    env.DB.prepare(
      `INSERT INTO events (subscriber_id, delivery_id, type, data, created_at) VALUES (?1, ?2, 'complaint_guard', json(?3), ?4)`,
    ).bind(
      null,
      null,
      JSON.stringify({ series: SERIES, complaintsInWindow: 1, threshold: 2, window: 1000 }),
      Date.now(),
    ),
  ]);
  html = await (await dashboardGet("/admin", session)).text();
});

describe("the overview", () => {
  it("lists a series' parts written ahead with their release, in its card and its funnel; a part already out is not marked", () => {
    const card = html.slice(html.indexOf('id="series-fixture-scheduled"'));
    expect(card).toContain('<h3 id="series-fixture-scheduled-scheduled">Scheduled</h3>');
    expect(decodeEntities(card)).toContain("Part 2 · Scheduled part 2: 2099-01-15 08:00 UTC");
    expect(decodeEntities(card)).toContain("Part 4 · Scheduled part 4: 2099-01-31 23:00 UTC");
    const desc = svgDesc(html, "fixture-scheduled");
    expect(desc).toContain("Part 2 · Scheduled part 2 (scheduled 2099-01-15 08:00 UTC): sent 0");
    expect(desc).toContain("Part 1 · Scheduled part 1: sent 0");
    expect(svgDesc(html, SERIES)).not.toContain("scheduled");
  });

  it("draws each part's funnel as an SVG with a title and a text description", async () => {
    expect(html).toContain(`<svg viewBox="0 0 260 `);
    expect(html).toContain(`role="img" aria-labelledby="funnel-${SERIES}-title funnel-${SERIES}-desc"`);
    expect(html).toContain(`<title id="funnel-${SERIES}-title">Funnel of Fixture Four</title>`);
    const desc = svgDesc(html, SERIES);
    expect(desc).toContain(
      "Part 1 · Fixture part 1: sent 5, delivered 4, human clicks 2, responses 1, unsubscribes 1; 0 waiting.",
    );
    // The readers have part 1: all five wait for part 2.
    expect(desc).toContain(
      "Part 2 · Fixture part 2: sent 0, delivered 0, human clicks 0, responses 0, unsubscribes 0; 5 waiting.",
    );
    // Bar lengths follow the numbers: sent (the largest) is the full 136 units, delivered 4/5 of it.
    const bars = [
      ...html.matchAll(
        /<rect x="82" y="\d+" width="(\d+)"[^>]*><title>Part 1 · Fixture part 1: ([a-z ]+) (\d+)<\/title>/g,
      ),
    ];
    expect(bars.map((bar) => [bar[2], Number(bar[1])])).toEqual([
      ["sent", 136],
      ["delivered", 109],
      ["human clicks", 54],
      ["responses", 27],
      ["unsubscribes", 27],
    ]);
  });

  it("has the same numbers as a table, and readers by status per series", async () => {
    expect(html).toContain("<caption>Funnel of Fixture Four</caption>");
    expect(html).toMatch(
      /<th scope="row">Part 1 · Fixture part 1<\/th><td class="num">5<\/td><td class="num">4<\/td><td class="num">2<\/td><td class="num">1<\/td><td class="num">1<\/td><td class="num">0<\/td>/,
    );
    const section = html.slice(html.indexOf(`id="series-${SERIES}"`));
    const counts = [
      ...section.slice(0, section.indexOf("</dl>")).matchAll(/<div><dt>([a-z ]+)<\/dt><dd>(\d+)<\/dd><\/div>/g),
    ];
    expect(counts.map((m) => [m[1], Number(m[2])])).toEqual([
      ["active", 5],
      ["pending", 2],
      ["paused", 0],
      ["stopped", 0],
      ["caught up", 0],
    ]);
  });

  it("shows the complaint guard's last check and every series, sending or paused", async () => {
    expect(html).toContain("Complaint guard: 1 of 2 complaints in the last 1,000 deliveries, checked");
    for (const title of ["Fixture Four", "Fixture Windowed", "Origins of Lead Change"])
      expect(html).toContain(`Pause ${title}</button>`);
  });

  it("lists recent deliveries and bounces, newest first and bounded", async () => {
    const deliveries = html.slice(html.indexOf('id="recent-deliveries"'), html.indexOf('id="recent-responses"'));
    // Each address links to its reader's page.
    const linked = [
      ...deliveries.matchAll(
        /<td class="wrap"><a href="\/admin\/readers\/(\d+)">(dash-over-\d+@example\.com)<\/a><br\/>/g,
      ),
    ];
    expect(linked).toHaveLength(5);
    const { results } = await env.DB.prepare(
      "SELECT to_email AS email, subscriber_id AS id FROM deliveries ORDER BY id DESC",
    ).all<{ email: string; id: number }>();
    expect(linked.map((m) => [Number(m[1]), m[2]])).toEqual(results.map((row) => [row.id, row.email]));
    const bounces = html.slice(html.indexOf('id="recent-bounces"'), html.indexOf('id="recent-complaints"'));
    expect(bounces).toContain(
      `<td class="wrap"><a href="/admin/readers/${results.at(-1)!.id}">${results.at(-1)!.email}</a><br/><span class="muted">fixture-four #1</span></td><td class="wrap">bounced</td>`,
    );
    expect(html.slice(html.indexOf('id="recent-complaints"'))).toContain("No complaints yet.");
  });

  it("reads at most a page of rows for each recent table, whatever the table size", async () => {
    await seedReaders({ series: "fixture-windowed", count: 40, prefix: "dash-many-" });
    await env.DB.prepare(
      `INSERT INTO deliveries (subscription_id, subscriber_id, series, part_id, part_number, batch_id, status, to_email, created_at)
       SELECT s.id, s.subscriber_id, s.series, 'x', 1, 'b', 'sent', 'x@example.com', 0 FROM subscriptions s WHERE s.series = 'fixture-windowed'`,
    ).run();
    await env.DB.prepare(
      `INSERT INTO events (subscriber_id, type, data, created_at) SELECT id, 'bounced', '{}', id FROM subscribers WHERE email_key LIKE 'dash-many-%'`,
    ).run();
    const deliveries = await env.DB.prepare(recentSql.deliveries).bind(RECENT_LIMIT).all();
    expect(deliveries.results).toHaveLength(RECENT_LIMIT);
    expect(deliveries.meta.rows_read).toBeLessThanOrEqual(RECENT_LIMIT);
    const bounces = await env.DB.prepare(recentSql.suppressions).bind(RECENT_LIMIT, "bounced").all();
    expect(bounces.results).toHaveLength(RECENT_LIMIT);
    // Each row: its index entry, the event, the reader and the delivery (joins by primary key).
    expect(bounces.meta.rows_read).toBeLessThanOrEqual(RECENT_LIMIT * 4);
  });
});

describe("find a reader", () => {
  it("by address or name, with their status and position in each series", async () => {
    await env.DB.prepare(
      "UPDATE subscribers SET name = 'Ada Lovelace' WHERE email_key = 'dash-over-3@example.com'",
    ).run();
    for (const q of ["lovelace", "DASH-OVER-3@"]) {
      const res = await dashboardGet(`/admin/readers?${new URLSearchParams({ q })}`, session);
      expect(res.status).toBe(200);
      const page = await res.text();
      const rows = [...page.matchAll(/<tr><td class="wrap"><a href="\/admin\/readers\/\d+">([^<]+)/g)].map((m) => m[1]);
      expect(rows).toEqual(["dash-over-3@example.com"]);
      expect(page).toContain('<span class="muted">Ada Lovelace</span>');
      expect(page).toContain(`<td><span class="badge">active</span></td>`);
      expect(page).toContain('<div class="position"><strong>fixture-four</strong><br/>active, next part 2, due ');
    }
  });

  it("filters by status, pages with a cursor, and refuses bad input with a 400", async () => {
    const pending = await (await dashboardGet("/admin/readers?status=pending", session)).text();
    expect(
      [...pending.matchAll(/<tr><td class="wrap"><a href="\/admin\/readers\/\d+">(dash-pend-\d@example\.com)/g)]
        .map((m) => m[1])
        .sort(),
    ).toEqual(["dash-pend-1@example.com", "dash-pend-2@example.com"]);
    await seedReaders({ series: "origins-of-lead-change", count: 60, prefix: "dash-page-" });
    const first = await (await dashboardGet("/admin/readers", session)).text();
    expect([...first.matchAll(/<tr><td class="wrap">/g)]).toHaveLength(50);
    const next = decodeEntities(/<a href="([^"]+)">Next page<\/a>/.exec(first)?.[1] ?? "");
    expect(next).toMatch(/^\/admin\/readers\?cursor=\d+$/);
    expect((await dashboardGet(next, session)).status).toBe(200);
    expect((await dashboardGet("/admin/readers?status=bogus", session)).status).toBe(400);
    expect((await dashboardGet(`/admin/readers?q=${"x".repeat(201)}`, session)).status).toBe(400);
    expect((await dashboardGet("/admin/readers?cursor=abc", session)).status).toBe(400);
  });
});

import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { GrowthChart } from "../../worker/pages/dashboard-pages/growth-chart";
import type { SeriesGrowth } from "../../worker/stats/read-growth";
import { decodeEntities } from "../helpers/route-helpers";
import { dashboardGet, signIn, type DashboardSession } from "./dashboard-helpers";

const SERIES = "fixture-four";
const DAY_MS = 24 * 60 * 60 * 1000;
const dayAgo = (n: number) => new Date(Date.now() - n * DAY_MS).toISOString().slice(0, 10);
let session: DashboardSession;

/** The growth figure of one series on a page. */
function figureOf(page: string, series: string): string {
  const start = page.indexOf(`<figure class="funnel growth" id="growth-${series}"`);
  expect(start, `growth figure of ${series}`).toBeGreaterThanOrEqual(0);
  return page.slice(start, page.indexOf("</figure>", start) + "</figure>".length);
}

/** Each bar: [its day and what it counts (its title), its height]. */
const barsOf = (figure: string) =>
  [
    ...figure.matchAll(
      /<rect x="[\d.]+" y="[\d.]+" width="[\d.]+" height="([\d.]+)" fill="#[0-9a-f]+"><title>([^<]+)<\/title><\/rect>/g,
    ),
  ].map((m) => [m[2], Number(m[1])]);

beforeAll(async () => {
  session = await signIn();
  await env.DB.prepare("DELETE FROM series_days").run();
  await env.DB.batch(
    [
      [0, 3, 2, 1],
      [10, 6, 0, 0],
      [60, 4, 4, 0], // inside 90 days only
    ].map(([ago, signups, confirmations, unsubscribes]) =>
      env.DB.prepare(
        "INSERT INTO series_days (series, day, signups, confirmations, unsubscribes) VALUES (?1, ?2, ?3, ?4, ?5)",
      ).bind(SERIES, dayAgo(ago!), signups, confirmations, unsubscribes),
    ),
  );
});

describe("the overview's growth chart", () => {
  it("draws a series' last 30 days as bars on one scale, with a title and a text description", async () => {
    const res = await dashboardGet("/admin", session);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).not.toMatch(/<script/i);
    const figure = figureOf(page, SERIES);
    expect(figure).toContain(
      '<figcaption id="growth-fixture-four-caption">The list&#39;s growth, last 30 days (UTC)</figcaption>',
    );
    expect(figure).toContain(`role="img" aria-labelledby="growth-${SERIES}-title growth-${SERIES}-desc"`);
    expect(figure).toContain(`<title id="growth-${SERIES}-title">Growth of Fixture Four</title>`);
    const desc = decodeEntities(/<desc id="growth-fixture-four-desc">([^<]*)<\/desc>/.exec(figure)![1]!);
    expect(desc).toBe(
      `From ${dayAgo(29)} to ${dayAgo(0)} (UTC): 9 signups, 2 confirmations, 1 unsubscribe. The tallest bar is 6 a day.`,
    );
    // Heights follow the numbers on one scale: 6 (the tallest) is the full 24 units.
    expect(barsOf(figure)).toEqual([
      [`${dayAgo(10)}: 6 signups`, 24],
      [`${dayAgo(0)}: 3 signups`, 12],
      [`${dayAgo(0)}: 2 confirmations`, 8],
      [`${dayAgo(0)}: 1 unsubscribe`, 4],
    ]);
    // The window's links: this one is the current page; each lands back on this chart.
    expect(figure).toContain(`<a href="/admin?days=30#growth-${SERIES}" aria-current="page">30 days</a>`);
    expect(figure).toContain(`<a href="/admin?days=90#growth-${SERIES}">90 days</a>`);
    // Every series of the catalog has its chart, with or without anything to count.
    for (const series of ["fixture-windowed", "origins-of-lead-change"])
      expect(barsOf(figureOf(page, series))).toEqual([]);
  });

  it("has the same numbers as a table: the days with any, newest first, and the totals", async () => {
    const figure = figureOf(await (await dashboardGet("/admin", session)).text(), SERIES);
    expect(figure).toContain(
      "<caption>Growth of Fixture Four, last 30 days (UTC); days without any are left out</caption>",
    );
    const rows = [
      ...figure.matchAll(
        /<tr><th scope="row">([^<]+)<\/th><td class="num">(\d+)<\/td><td class="num">(\d+)<\/td><td class="num">(\d+)<\/td><\/tr>/g,
      ),
    ];
    expect(rows.map((m) => m.slice(1).join(" "))).toEqual([`${dayAgo(0)} 3 2 1`, `${dayAgo(10)} 6 0 0`, "Total 9 2 1"]);
  });

  it("?days=90 reaches 90 days back; any other window is a 400", async () => {
    const figure = figureOf(await (await dashboardGet("/admin?days=90", session)).text(), SERIES);
    expect(figure).toContain("last 90 days (UTC)");
    expect(figure).toContain(`<a href="/admin?days=90#growth-${SERIES}" aria-current="page">90 days</a>`);
    expect(barsOf(figure).map(([title]) => title)).toContain(`${dayAgo(60)}: 4 confirmations`);
    for (const days of ["7", "abc", "", "<script>"]) {
      const res = await dashboardGet(`/admin?days=${encodeURIComponent(days)}`, session);
      expect(res.status, days).toBe(400);
      expect(await res.text()).not.toContain("<script>");
    }
  });
});

describe("the chart escapes a series title with markup", () => {
  it("is text in the title, the description, the caption and the links' label", async () => {
    const title = `<script>alert(1)</script> & "Co" <img src=x onerror=alert(2)>`;
    const growth: SeriesGrowth = {
      series: SERIES,
      title,
      totals: { signups: 1, confirmations: 0, unsubscribes: 0 },
      days: [{ day: "2026-12-01", signups: 1, confirmations: 0, unsubscribes: 0 }],
    };
    const html = String(await (<GrowthChart growth={growth} window={30} />));
    expect(html).not.toMatch(/<script|<img/i);
    const escaped = "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot; &lt;img src=x onerror=alert(2)&gt;";
    expect(html).toContain(`<title id="growth-${SERIES}-title">Growth of ${escaped}</title>`);
    expect(html).toContain(`aria-label="Growth window of ${escaped}"`);
    expect(html).toContain(`<caption>Growth of ${escaped}, last 30 days (UTC)`);
  });
});

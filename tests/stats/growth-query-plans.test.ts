import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { listSeries } from "../../worker/content/catalog";
import { D1Meter } from "../../worker/delivery/d1-meter";
import { countConfirmation, growthSql } from "../../worker/stats/growth-queries";
import { readGrowth } from "../../worker/stats/read-growth";
import { growthReadSql } from "../../worker/stats/stats-queries";
import { importSql } from "../../worker/subscribers/import/import-queries";
import { argsFor, explain, wholeTableScan } from "../helpers/recording-d1";

/** Tables that grow with the list (series_days grows with days, and is searched by its key below). */
const FULL_SCAN = wholeTableScan(["subscribers", "subscriptions", "consents", "events", "series_days"]);

describe("the growth counters scan no table that grows with the list", () => {
  for (const [name, text] of Object.entries({ ...growthSql, importGrowth: importSql.countGrowth })) {
    it(name, async () => {
      const details = await explain(
        text,
        argsFor(text, () => "[]"),
      );
      for (const detail of details) expect(detail, details.join(" | ")).not.toMatch(FULL_SCAN);
      // A reader's own rows only: by their id or address, never a walk of every reader of a status.
      expect(details.join(" | ")).not.toMatch(/subscribers_status_idx|SCAN \w+ USING/);
    });
  }
});

describe("what a counter writes", () => {
  it("the day's first event writes its row and key (2 rows), each later one 1 row", async () => {
    const reader = await env.DB.prepare(
      "INSERT INTO subscribers (email, email_key, status, created_at, updated_at) VALUES ('cost@example.com', 'cost@example.com', 'active', 0, 0) RETURNING id",
    ).first<{ id: number }>();
    const consent = await env.DB.prepare(
      "INSERT INTO consents (subscriber_id, series, form, consent_text_version, created_at, confirmed_at) VALUES (?1, 'cost-series', 'api', 'v', 5, 5) RETURNING id",
    )
      .bind(reader!.id)
      .first<{ id: number }>();
    const written = [];
    for (let i = 0; i < 3; i++)
      written.push((await countConfirmation(env.DB, "cost-series", consent!.id, 5).run()).meta.rows_written);
    expect(written).toEqual([2, 1, 1]);
    expect(await env.DB.prepare("SELECT confirmations FROM series_days WHERE series = 'cost-series'").first()).toEqual({
      confirmations: 3,
    });
  });
});

describe("the growth read", () => {
  it("is a range of series_days' primary key per series", async () => {
    const details = await explain(growthReadSql, ['["a","b"]', "2026-09-03", "2026-12-01"]);
    expect(details.join(" | ")).toMatch(
      /SEARCH series_days USING INDEX sqlite_autoindex_series_days_1 \(series=\? AND day>\? AND day<\?\)/,
    );
    for (const detail of details) expect(detail, details.join(" | ")).not.toMatch(FULL_SCAN);
  });

  it("reads at most 90 rows a series for 90 days, however long the history", async () => {
    const slugs = listSeries().map((s) => s.slug);
    // Two years of busy days for every series, and a removed one: the read must not see the rest.
    await env.DB.prepare(
      `WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < 729)
       INSERT INTO series_days (series, day, signups, confirmations, unsubscribes)
       SELECT s.value, date('2026-12-01', '-' || n.i || ' days'), 3, 2, 1 FROM n, json_each(?1) s`,
    )
      .bind(JSON.stringify([...slugs, "removed-series"]))
      .run();
    const meter = new D1Meter(env.DB);
    const growth = await readGrowth({ meter, clock: () => Date.UTC(2026, 11, 1, 12) }, { days: 90 });
    expect(growth.series.map((s) => [s.series, s.totals])).toEqual(
      slugs.map((slug) => [slug, { signups: 270, confirmations: 180, unsubscribes: 90 }]),
    );
    expect(meter.totals().statements).toBe(1);
    console.log(`growth read, ${slugs.length} series × 90 days of 730 kept: ${meter.totals().rowsRead} rows read`);
    // Each series' 90 rows, and 3 reads of its own: its value in the JSON list, the key probe, the range's end.
    expect(meter.totals().rowsRead).toBeLessThanOrEqual(slugs.length * (90 + 3));

    const one = new D1Meter(env.DB);
    await readGrowth({ meter: one, clock: () => Date.UTC(2026, 11, 1, 12) }, { days: 30, series: slugs[0] });
    expect(one.totals().rowsRead).toBeLessThanOrEqual(30 + 3);
  });
});

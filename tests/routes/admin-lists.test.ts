import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { listDeliveriesQuery, setAsideBatchesSql } from "../../worker/delivery/delivery-list-queries";
import { outboxListSql } from "../../worker/mail/outbox-list-queries";
import { listSubscribersQuery, positionsSql } from "../../worker/subscribers/subscriber-admin-queries";
import { adminFetch, signUpAndConfirm, subscribeForm, uniqueEmail } from "../helpers/route-helpers";
import { deliveredReader } from "../helpers/reader-helpers";
import { expectApiError, expectDeclared, type Page } from "../helpers/admin-api-helpers";
import { explain } from "../helpers/recording-d1";

interface SeriesItem {
  slug: string;
  title: string;
  paused: boolean;
  pausedReason: string | null;
  parts: { number: number; id: string; title: string }[];
  counts: Record<string, number>;
}
interface DeliveryItem {
  id: number;
  subscriberId: number;
  series: string;
  partNumber: number;
  status: string;
  toEmail: string;
}

const plan = async (text: string, params: unknown[]) => (await explain(text, params)).join(" | ");

/** Follows next_cursor to the end; every page checked against the declared schema. */
async function allPages<T>(path: string, template: string): Promise<T[][]> {
  const pages: T[][] = [];
  let cursor: string | null = null;
  do {
    const page: Page<T> = await expectDeclared<Page<T>>(
      await adminFetch(`${path}${cursor ? `&cursor=${cursor}` : ""}`),
      "get",
      template,
    );
    expect(page.has_more).toBe(page.next_cursor !== null);
    pages.push(page.data);
    cursor = page.next_cursor;
    expect(pages.length).toBeLessThan(20);
  } while (cursor);
  return pages;
}

describe("GET /admin/api/series", () => {
  it("lists every series with its parts, readers by status and pause state", async () => {
    await signUpAndConfirm(uniqueEmail("series-a"), { series: "fixture-windowed" });
    await subscribeForm({ email: uniqueEmail("series-p"), series: "fixture-windowed" });
    const before = await expectDeclared<Page<SeriesItem>>(await adminFetch("/admin/api/series"), "get", "/series");
    expect(before).toMatchObject({ has_more: false, next_cursor: null });
    expect(before.data.map((s) => s.slug)).toEqual(
      expect.arrayContaining(["origins-of-lead-change", "fixture-four", "fixture-windowed"]),
    );
    const windowed = before.data.find((s) => s.slug === "fixture-windowed")!;
    expect(windowed.parts.map((p) => p.number)).toEqual([1, 2]);
    expect(windowed.counts).toMatchObject({ active: 1, pending: 1 });
    expect(windowed).toMatchObject({ paused: false, pausedReason: null });

    expect((await adminFetch("/admin/api/series/fixture-windowed/pause", { method: "POST" })).status).toBe(200);
    const after = await expectDeclared<Page<SeriesItem>>(await adminFetch("/admin/api/series"), "get", "/series");
    expect(after.data.find((s) => s.slug === "fixture-windowed")).toMatchObject({
      paused: true,
      pausedReason: "paused by the admin",
    });
    await adminFetch("/admin/api/series/fixture-windowed/resume", { method: "POST" });
  });
});

describe("GET /admin/api/deliveries", () => {
  it("filters by series, part (today's position) and status; pages 3 + 3 + 1, newest first", async () => {
    const readers = [];
    for (let i = 0; i < 7; i++) readers.push(await deliveredReader({ series: "fixture-four", part: 2 }));
    await deliveredReader({ series: "fixture-four", part: 3 });
    const pages = await allPages<DeliveryItem>(
      "/admin/api/deliveries?series=fixture-four&part=2&limit=3",
      "/deliveries",
    );
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat().map((d) => d.id)).toEqual(readers.map((r) => r.deliveryId).reverse());
    expect(pages.flat().every((d) => d.series === "fixture-four" && d.partNumber === 2 && d.status === "sent")).toBe(
      true,
    );

    const bySeries = await allPages<DeliveryItem>("/admin/api/deliveries?series=fixture-four&limit=200", "/deliveries");
    expect(bySeries.flat()).toHaveLength(8);
    const claimed = await allPages<DeliveryItem>(
      "/admin/api/deliveries?series=fixture-four&status=claimed&limit=200",
      "/deliveries",
    );
    expect(claimed.flat()).toEqual([]);
  });

  it("bad filters are a 400 naming the parameter; an unknown series a 404", async () => {
    for (const [query, reason] of [
      ["part=2", /^part: needs series/],
      ["status=lost", /^status: /],
      ["cursor=x", /^cursor: /],
      ["limit=0", /^limit: /],
      ["series=Bad!", /^series: /],
    ] as const) {
      await expectApiError(await adminFetch(`/admin/api/deliveries?${query}`), 400, "BAD_REQUEST", reason);
    }
    // An unknown series is a 404 on every list that filters by one.
    for (const list of ["deliveries", "subscribers", "responses", "stats"]) {
      await expectApiError(
        await adminFetch(`/admin/api/${list}?series=no-such-series`),
        404,
        "NOT_FOUND",
        /no-such-series/,
      );
    }
  });

  it("reads through an index with a series; without one it walks the id order, never sorting", async () => {
    const base = { limit: 50, cursor: 1000 };
    expect(await plan(...q({ ...base, series: "fixture-four", part: 2, status: "sent" }))).toMatch(
      /^SEARCH deliveries USING INDEX deliveries_series_part_id_idx \(series=\? AND part_id=\? AND rowid<\?\)$/,
    );
    expect(await plan(...q({ ...base, series: "fixture-four" }))).toMatch(
      /SEARCH deliveries USING INDEX deliveries_series_part_id_idx \(series=\?\)/,
    );
    expect(await plan(...q(base))).toMatch(/^SEARCH deliveries USING INTEGER PRIMARY KEY \(rowid<\?\)$/);
    // No series: the primary key's own order, stopped by LIMIT after a page of matches (no temp b-tree, no sort).
    expect(await plan(...q({ limit: 50 }))).toBe("SCAN deliveries");
    expect(await plan(...q({ ...base, status: "sent" }))).toBe("SEARCH deliveries USING INTEGER PRIMARY KEY (rowid<?)");
    expect(await plan(...q({ ...base, series: "fixture-four", part: 1 }))).not.toMatch(/TEMP B-TREE/);
  });
});

/** listDeliveriesQuery's text and params, spread for plan(). */
const q = (input: Parameters<typeof listDeliveriesQuery>[0]) => {
  const { text, params } = listDeliveriesQuery(input);
  return [text, params] as const;
};

describe("GET /admin/api/batches", () => {
  it("pages set-aside batches newest first, through their partial index, without a sort", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const insert = env.DB.prepare(
      `INSERT INTO batches (id, status, attempts, lease_until, created_at, set_aside_at, last_error) VALUES (?1, 'failed_after_unknown', 1, 0, ?2, ?2, 'x')`,
    );
    // Two share a millisecond: the rowid keeps them apart at a page boundary.
    await env.DB.batch([insert.bind(`${tag}-a`, 1000), insert.bind(`${tag}-b`, 2000), insert.bind(`${tag}-c`, 2000)]);
    const pages = await allPages<{ id: string }>("/admin/api/batches?status=failed_after_unknown&limit=2", "/batches");
    expect(pages.map((p) => p.map((b) => b.id))).toEqual([[`${tag}-c`, `${tag}-b`], [`${tag}-a`]]);
    const detail = await plan(setAsideBatchesSql, ["dead", 51, 2000, 3]);
    expect(detail).toMatch(/SEARCH b USING INDEX batches_set_aside_idx \(status=\?/);
    expect(detail).not.toMatch(/TEMP B-TREE/);
    await expectApiError(await adminFetch("/admin/api/batches?cursor=12"), 400, "BAD_REQUEST", /^cursor: /);
  });
});

describe("GET /admin/api/subscribers?series=", () => {
  it("lists only the readers of that series", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const four = await signUpAndConfirm(uniqueEmail(`by-series-${tag}`), { series: "fixture-four" });
    await signUpAndConfirm(uniqueEmail(`by-series-${tag}`));
    const page = await expectDeclared<Page<{ email: string }>>(
      await adminFetch(`/admin/api/subscribers?q=${tag}&series=fixture-four`),
      "get",
      "/subscribers",
    );
    expect(page.data.map((s) => s.email)).toEqual([four.email]);
  });
});

describe("the reader and outbox lists (raw statements, once drizzle's builder)", () => {
  it("read a page in index order, with no sort, and each reader's positions by its index", async () => {
    const page = (input: Parameters<typeof listSubscribersQuery>[0]) => {
      const { text, params } = listSubscribersQuery(input);
      return plan(text, params);
    };
    expect(await page({ limit: 50, cursor: 10 })).toBe("SEARCH subscribers USING INTEGER PRIMARY KEY (rowid<?)");
    expect(await page({ limit: 50, status: "active", cursor: 5, series: "fixture-four", q: "ann" })).toBe(
      "SEARCH subscribers USING INDEX subscribers_status_idx (status=? AND id<?) | " +
        "SEARCH t EXISTS USING COVERING INDEX subscriptions_subscriber_id_series_idx (subscriber_id=? AND series=?)",
    );
    const positions = await plan(positionsSql, ["[1, 2, 3]"]);
    expect(positions).toMatch(
      /^SEARCH subscriptions USING INDEX subscriptions_subscriber_id_series_idx \(subscriber_id=\?\)/,
    );
    expect(positions).not.toMatch(/TEMP B-TREE/);
    for (const params of [
      [null, null, null, 51],
      [5, 6, "ann@example.com", 51],
    ])
      expect(await plan(outboxListSql.page, params)).toBe("SCAN outbox USING INDEX outbox_created_at_idx");
    expect(await plan(outboxListSql.message, ["x"])).toBe("SEARCH outbox USING INDEX sqlite_autoindex_outbox_1 (id=?)");
  });
});

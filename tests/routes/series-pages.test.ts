import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { XMLParser } from "fast-xml-parser";
import { afterEach, describe, expect, it, vi } from "vitest";
import { listSeries } from "../../worker/content/catalog";
import { releasedSeries } from "../../worker/content/release";
import { signDeliveryTokens } from "../../worker/tokens";
import { deliveredReader } from "../helpers/reader-helpers";
import { BASE, DEFAULT_SERIES, foreignKeyring, get, testKeyring } from "../helpers/route-helpers";
import { partIdOf } from "../helpers/rows";

/** The public series as readers see them today (parts written ahead left out); readers-only ones are tested below. */
const publicSeries = () =>
  listSeries()
    .filter((s) => s.archive !== "subscribers")
    .map((s) => releasedSeries(s, Date.now()));

const longDate = (iso: string) =>
  new Date(`${iso}T12:00:00Z`).toLocaleDateString("en-US", {
    year: "numeric",
    month: "long",
    day: "numeric",
    timeZone: "UTC",
  });

describe("GET /p/:series (the series index)", () => {
  it("/p/origins-of-lead-change lists its part with its date and links to the signup", async () => {
    const res = await get(`/p/${DEFAULT_SERIES}`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("<title>Origins of Lead Change</title>");
    expect(html).toContain("<h1>Origins of Lead Change</h1>");
    expect(html).toContain(`<a href="/p/${DEFAULT_SERIES}/the-opportunity">The Opportunity</a>`);
    expect(html).toContain("November 25, 2026");
    expect(html).toContain(`href="/s/${DEFAULT_SERIES}"`);
  });

  for (const series of publicSeries()) {
    it(`/p/${series.slug} lists every released part, in order, each with its date`, async () => {
      const html = await (await get(`/p/${series.slug}`)).text();
      const items = [
        ...html.matchAll(/<li><a href="([^"]+)">([^<]+)<\/a> <span class="date">— ([^<]+)<\/span><\/li>/g),
      ];
      expect(items.map((m) => [m[1], m[2], m[3]])).toEqual(
        series.parts.map((part) => [`/p/${series.slug}/${part.id}`, part.title, longDate(part.date)]),
      );
      expect(items.length).toBe(series.parts.length);
    });
  }
});

describe("GET /p/:series/:part (a part's web view)", () => {
  it("/p/origins-of-lead-change/1 shows the body and the call to action", async () => {
    const res = await get(`/p/${DEFAULT_SERIES}/1`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<title>The Opportunity — Origins of Lead Change</title>");
    expect(html).toContain("<h1>The Opportunity</h1>");
    expect(html).toContain("Part 1 of");
    expect(html).toContain("November 25, 2026");
    expect(html).toContain("This is the first post in a series on the origins of Lead Change.");
    expect(html).toContain("<blockquote>");
    // Its call to action is a response: on the web, where no reader is known, it offers the signup form.
    expect(html).toContain("<h2>Take some action and share it with us</h2>");
    expect(html).toContain('<form class="card" method="post" action="/subscribe">');
    expect(html).toContain(`<input type="hidden" name="series" value="${DEFAULT_SERIES}"/>`);
    expect(html).toContain("Subscribe to respond");
    expect(html).toContain(`<a href="/s/${DEFAULT_SERIES}">Subscribe</a>`);
    // A one-part series: no previous or next link.
    expect(html).not.toContain("←");
    expect(html).not.toContain("→");
  });

  it("every released part of every public series renders its own body and CTA", async () => {
    for (const series of publicSeries()) {
      for (const part of series.parts) {
        const res = await get(`/p/${series.slug}/${part.number}`);
        expect(res.status, `${series.slug}/${part.number}`).toBe(200);
        const html = await res.text();
        expect(html).toContain(`<h1>${part.title}</h1>`);
        expect(html).toContain(part.bodyHtml.trim().slice(0, 60));
        expect(html).toContain(part.cta.label);
        if (part.cta.url === undefined) {
          // No reader is known on the web: a response call to action offers the signup form.
          expect(html).toContain("Subscribe to respond");
          continue;
        }
        const cta = part.cta.url.startsWith("/") ? `${BASE}${part.cta.url}` : part.cta.url;
        expect(html).toContain(`<a class="cta" href="${cta}">`);
      }
    }
  });

  it("a relative CTA is resolved against PUBLIC_URL", async () => {
    const html = await (await get("/p/fixture-windowed/1")).text();
    expect(html).toContain(`<a class="cta" href="${BASE}/p/fixture-windowed/1">`);
  });

  it("links to the previous and the next part", async () => {
    const first = await (await get("/p/fixture-four/1")).text();
    expect(first).toContain('<a href="/p/fixture-four/fixture-part-2">Fixture part 2 →</a>');
    expect(first).not.toContain("←");
    const middle = await (await get("/p/fixture-four/2")).text();
    expect(middle).toContain('<a href="/p/fixture-four/fixture-part-1">← Fixture part 1</a>');
    expect(middle).toContain('<a href="/p/fixture-four/fixture-part-3">Fixture part 3 →</a>');
    const last = await (await get("/p/fixture-four/4")).text();
    expect(last).toContain('<a href="/p/fixture-four/fixture-part-3">← Fixture part 3</a>');
    expect(last).not.toContain("→");
  });

  const missing: [string, string][] = [
    [`/p/${DEFAULT_SERIES}/99`, "a part past the end"],
    [`/p/${DEFAULT_SERIES}/0`, "part zero"],
    [`/p/${DEFAULT_SERIES}/-1`, "a negative part"],
    [`/p/${DEFAULT_SERIES}/abc`, "a non-number"],
    [`/p/${DEFAULT_SERIES}/1.0`, "a decimal"],
    [`/p/${DEFAULT_SERIES}/1e0`, "an exponent"],
    [`/p/${DEFAULT_SERIES}/0x1`, "hex"],
    [`/p/${DEFAULT_SERIES}/01`, "a leading zero (one URL per part)"],
    [`/p/${DEFAULT_SERIES}/99999`, "too many digits"],
    [`/p/${DEFAULT_SERIES}/%201`, "a leading space"],
    [`/p/${DEFAULT_SERIES}/1/extra`, "an extra segment"],
    ["/p/x/1", "an unknown series"],
    ["/p/x", "an unknown series index"],
    ["/p/ORIGINS-OF-LEAD-CHANGE/1", "a series slug in the wrong case"],
    ["/p/__proto__/1", "a prototype key as the series"],
    ["/p/constructor", "a prototype key as the series index"],
  ];
  for (const [path, label] of missing) {
    it(`${label} (${path}) is a 404 page`, async () => {
      const res = await get(path);
      expect(res.status).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toContain("<h1>Page not found</h1>");
      expect(html).toContain('<a href="/">Go to the signup page</a>');
    });
  }

  it("a 404 for an API client is JSON", async () => {
    const res = await get(`/p/${DEFAULT_SERIES}/99`, { accept: "application/json" });
    expect(res.status).toBe(404);
    const body = (await res.json()) as { error: { code: string; message: string; requestId: string } };
    expect(body.error).toMatchObject({ code: "NOT_FOUND", message: "There is no such part." });
    expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("HEAD is answered like GET, without a body", async () => {
    const res = await get(`/p/${DEFAULT_SERIES}/1`);
    const head = await SELF.fetch(`${BASE}/p/${DEFAULT_SERIES}/1`, { method: "HEAD" });
    expect(head.status).toBe(res.status);
    expect(await head.text()).toBe("");
    await res.body?.cancel();
  });
});

describe("a renamed series (an alias in series.json) and parts by id", () => {
  // tests/fixtures/series/fixture-windowed was "fixture-windowed-old": links mailed before the rename still work.
  it.each([
    ["/p/fixture-windowed-old", "/p/fixture-windowed"],
    ["/p/fixture-windowed-old/1", "/p/fixture-windowed/windowed-part-1"],
    ["/p/fixture-windowed-old/windowed-part-2", "/p/fixture-windowed/windowed-part-2"],
    ["/s/fixture-windowed-old?ref=abc", "/s/fixture-windowed?ref=abc"],
  ])("%s redirects (301) to %s", async (from, to) => {
    const res = await SELF.fetch(`${BASE}${from}`, { redirect: "manual" });
    expect(res.status).toBe(301);
    expect(
      new URL(res.headers.get("location")!, BASE).pathname + new URL(res.headers.get("location")!, BASE).search,
    ).toBe(to);
  });

  it("serves a part's web view by its id, and by its position today", async () => {
    const byId = await (await get("/p/fixture-four/fixture-part-2")).text();
    expect(byId).toContain("<h1>Fixture part 2</h1>");
    expect(await (await get("/p/fixture-four/2")).text()).toBe(byId);
    expect((await get("/p/fixture-four/no-such-part")).status).toBe(404);
  });
});

describe("parts written ahead (tests/fixtures/series/fixture-scheduled): not on the web before their release", () => {
  const R2 = Date.UTC(2099, 0, 15, 8, 0); // 2099-01-15 09:00 Paris
  const R3 = Date.UTC(2099, 0, 31, 23, 0); // 2099-02-01 00:00 Paris: parts 3 and 4
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    isArray: (name) => name === "entry" || name === "link",
  });
  const feedTitles = async () =>
    (parser.parse(await (await get("/p/fixture-scheduled/feed.xml")).text()).feed.entry ?? []).map(
      (e: { title: string }) => e.title,
    );
  const indexTitles = async () =>
    [...(await (await get("/p/fixture-scheduled")).text()).matchAll(/<li><a href="[^"]+">([^<]+)<\/a>/g)].map(
      (m) => m[1],
    );
  /** The Worker reads Date.now(): the test moves it (tests and Worker share the isolate). */
  const at = (now: number) => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(now);
  };
  afterEach(() => vi.useRealTimers());

  it("today only part 1 is out: the index, the feed, the part pages and the signup page know nothing of the others", async () => {
    expect(await indexTitles()).toEqual(["Scheduled part 1"]);
    expect(await feedTitles()).toEqual(["Scheduled part 1"]);
    const feed = await (await get("/p/fixture-scheduled/feed.xml")).text();
    expect(feed).not.toContain("scheduled-part-2");
    const first = await (await get("/p/fixture-scheduled/1")).text();
    expect(first).toContain("<h1>Scheduled part 1</h1>");
    expect(first).not.toContain("→"); // no link to a part that is not out
    expect(first).not.toContain("scheduled-part-2");
    // Not found, exactly as a part that does not exist: by id and by position.
    const unknown = await (await get("/p/fixture-scheduled/no-such-part", { accept: "application/json" })).json();
    for (const path of [
      "/p/fixture-scheduled/scheduled-part-2",
      "/p/fixture-scheduled/2",
      "/p/fixture-scheduled/scheduled-part-4",
    ]) {
      const res = await get(path, { accept: "application/json" });
      expect(res.status, path).toBe(404);
      expect(((await res.json()) as { error: { message: string } }).error.message).toBe(
        (unknown as { error: { message: string } }).error.message,
      );
    }
    const signup = await (await get("/s/fixture-scheduled")).text();
    expect(signup).toContain("1 part so far");
    expect(signup).not.toContain("Scheduled part 2");
  });

  it("before the first release the series is there with no part: its index and feed are empty, its signup page says the first is on its way", async () => {
    at(Date.UTC(2026, 0, 5, 8, 0) - 1); // part 1: 2026-01-05 09:00 Paris
    expect(await indexTitles()).toEqual([]);
    expect(await feedTitles()).toEqual([]);
    expect((await get("/p/fixture-scheduled/1")).status).toBe(404);
    const signup = await (await get("/s/fixture-scheduled")).text();
    expect(signup).toContain("The first part is on its way");
    expect(signup).not.toContain("Scheduled part 1");
  });

  it("a millisecond before the release nothing shows; at the release the part is on the index, in the feed and at its address", async () => {
    at(R2 - 1);
    expect(await indexTitles()).toEqual(["Scheduled part 1"]);
    expect((await get("/p/fixture-scheduled/scheduled-part-2")).status).toBe(404);
    at(R2);
    expect(await indexTitles()).toEqual(["Scheduled part 1", "Scheduled part 2"]);
    expect(await feedTitles()).toEqual(["Scheduled part 2", "Scheduled part 1"]);
    const part2 = await get("/p/fixture-scheduled/scheduled-part-2");
    expect(part2.status).toBe(200);
    expect(await part2.text()).toContain("Scheduled part 2 body.");
    expect(await (await get("/p/fixture-scheduled/1")).text()).toContain(
      '<a href="/p/fixture-scheduled/scheduled-part-2">Scheduled part 2 →</a>',
    );
    expect((await get("/p/fixture-scheduled/3")).status).toBe(404);
    at(R3);
    expect(await indexTitles()).toEqual([
      "Scheduled part 1",
      "Scheduled part 2",
      "Scheduled part 3",
      "Scheduled part 4",
    ]); // 4 goes out with 3
    expect(await (await get("/s/fixture-scheduled")).text()).toContain("4 parts so far");
  });
});

describe('a series kept for its readers ("archive": "subscribers", tests/fixtures/series/fixture-members)', () => {
  const MEMBERS = "fixture-members";
  const bodyOf = (n: number) => `Members part ${n} body: for readers only.`;
  /** A reader who received parts 1…n of the series (deliveries as the cycle writes them). */
  async function memberWith(n: number) {
    const reader = await deliveredReader({ series: MEMBERS, part: 1 });
    for (let part = 2; part <= n; part++) {
      await env.DB.prepare(
        `INSERT INTO deliveries (subscription_id, subscriber_id, series, part_id, part_number, batch_id, status, to_email, created_at, sent_at)
         SELECT subscription_id, subscriber_id, series, ?2, ?3, 'test-batch', 'sent', to_email, created_at, sent_at FROM deliveries WHERE id = ?1`,
      )
        .bind(reader.deliveryId, partIdOf(MEMBERS, part), part)
        .run();
    }
    return reader;
  }
  const view = (path: string, token?: string) => get(token === undefined ? path : `${path}?t=${token}`);
  const expectClosed = async (res: Response, message: string) => {
    expect(res.status).toBe(403);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const html = await res.text();
    expect(html).toContain(message);
    expect(html).not.toContain("for readers only."); // never the content
    return html;
  };

  it("the index lists titles only: no link to a part, no feed", async () => {
    const res = await get(`/p/${MEMBERS}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<li>Members part 1 <span class="date">— March 1, 2026</span></li>');
    expect(html).not.toContain(`href="/p/${MEMBERS}/`);
    expect(html).not.toContain("feed.xml");
    expect(html).toContain(`<a class="cta" href="/s/${MEMBERS}">`);
    const feed = await get(`/p/${MEMBERS}/feed.xml`);
    expect(feed.status).toBe(404);
    expect(await feed.text()).not.toContain("Members part");
  });

  it("without a token a part is a page that explains and offers the signup form, never the content", async () => {
    const html = await expectClosed(
      await view(`/p/${MEMBERS}/members-part-1`),
      "are for its readers: each email has a link to read it here.",
    );
    expect(html).toContain("<h1>Members part 1</h1>");
    expect(html).toContain('<form class="card" method="post" action="/subscribe">');
    expect(html).toContain(`<input type="hidden" name="series" value="${MEMBERS}"/>`);
  });

  it("a malformed, forged or other series' token opens nothing, and is never echoed", async () => {
    const reader = await memberWith(1);
    const other = await deliveredReader({ series: "fixture-four", part: 1 });
    const forged = (await signDeliveryTokens(foreignKeyring(), reader.deliveryId)).reader;
    const referral = reader.tokens.referral; // the shareable half of the email's tokens opens nothing either
    for (const token of [
      encodeURIComponent('"><script>alert(1)</script>'),
      forged,
      other.tokens.reader,
      referral,
      "",
    ]) {
      const html = await expectClosed(await view(`/p/${MEMBERS}/1`, token), "This link does not open this part");
      expect(html).not.toContain("<script>alert(1)");
      if (token) expect(html).not.toContain(token);
    }
  });

  it("a reader's token shows the parts they received, with links between them that carry it, and no other part", async () => {
    const reader = await memberWith(2);
    const t = reader.tokens.reader;
    const first = await view(`/p/${MEMBERS}/members-part-1`, t);
    expect(first.status).toBe(200);
    expect(first.headers.get("cache-control")).toBe("private, no-store");
    expect(first.headers.get("x-robots-tag")).toBe("noindex");
    expect(first.headers.get("referrer-policy")).toBe("no-referrer"); // the token never leaves in a Referer
    const html = await first.text();
    expect(html).toContain(bodyOf(1));
    expect(html).toContain(`<a href="/p/${MEMBERS}/members-part-2?t=${t}">Members part 2 →</a>`);
    // Shared links are the part's public address, never the reader's.
    expect(html).toContain(
      `<input id="share-url" class="share-url" type="text" readonly="" value="${BASE}/p/${MEMBERS}/members-part-1"/>`,
    );
    expect(html.split(t).length - 1).toBe(1);

    const second = await (await view(`/p/${MEMBERS}/2`, t)).text();
    expect(second).toContain(bodyOf(2));
    expect(second).toContain(`<a href="/p/${MEMBERS}/members-part-1?t=${t}">← Members part 1</a>`);
    expect(second).not.toContain("members-part-3"); // not received: no link
    await expectClosed(await view(`/p/${MEMBERS}/members-part-3`, t), "This part has not reached you yet");

    // Another reader's token, who received part 1 only, never opens part 2.
    const newcomer = await memberWith(1);
    await expectClosed(
      await view(`/p/${MEMBERS}/members-part-2`, newcomer.tokens.reader),
      "This part has not reached you yet",
    );
  });

  it("a response call to action leads a reader to their own response page for that part", async () => {
    const reader = await memberWith(2);
    const html = await (await view(`/p/${MEMBERS}/members-part-2`, reader.tokens.reader)).text();
    const respond = /<a class="cta" href="(\/respond\/[^"]+)">Write your response<\/a>/.exec(html)?.[1];
    expect(respond).toBeDefined();
    const part2Delivery = await env.DB.prepare("SELECT id FROM deliveries WHERE subscriber_id = ?1 AND part_number = 2")
      .bind(reader.subscriberId)
      .first<{ id: number }>();
    expect(respond).toBe(`/respond/${(await signDeliveryTokens(testKeyring(), part2Delivery!.id)).reader}`);
    const page = await get(respond!);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("What did you make of members part 2?");
    expect(html).not.toContain("Subscribe to respond");
  });

  it("GET and HEAD change nothing", async () => {
    const reader = await memberWith(2);
    const tables = ["deliveries", "subscriptions", "subscribers", "events", "clicks", "responses", "part_stats"];
    const snapshot = async () =>
      Promise.all(tables.map(async (table) => (await env.DB.prepare(`SELECT * FROM ${table}`).all()).results));
    const before = await snapshot();
    for (const method of ["GET", "HEAD"]) {
      for (const path of [
        `/p/${MEMBERS}/1?t=${reader.tokens.reader}`,
        `/p/${MEMBERS}/3?t=${reader.tokens.reader}`,
        `/p/${MEMBERS}/1`,
      ]) {
        await (await SELF.fetch(`${BASE}${path}`, { method })).arrayBuffer();
      }
    }
    expect(await snapshot()).toEqual(before);
  });
});

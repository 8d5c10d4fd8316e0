import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { listSeries } from "../../worker/content/catalog";
import { BASE, DEFAULT_SERIES, get } from "../helpers/route-helpers";

const longDate = (iso: string) =>
  new Date(`${iso}T12:00:00Z`).toLocaleDateString("en-US", { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });

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

  for (const series of listSeries()) {
    it(`/p/${series.slug} lists every part, in order, each with its date`, async () => {
      const html = await (await get(`/p/${series.slug}`)).text();
      const items = [...html.matchAll(/<li><a href="([^"]+)">([^<]+)<\/a> <span class="date">— ([^<]+)<\/span><\/li>/g)];
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

  it("every part of every series renders its own body and CTA", async () => {
    for (const series of listSeries()) {
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
    expect(new URL(res.headers.get("location")!, BASE).pathname + new URL(res.headers.get("location")!, BASE).search).toBe(to);
  });

  it("serves a part's web view by its id, and by its position today", async () => {
    const byId = await (await get("/p/fixture-four/fixture-part-2")).text();
    expect(byId).toContain("<h1>Fixture part 2</h1>");
    expect(await (await get("/p/fixture-four/2")).text()).toBe(byId);
    expect((await get("/p/fixture-four/no-such-part")).status).toBe(404);
  });
});

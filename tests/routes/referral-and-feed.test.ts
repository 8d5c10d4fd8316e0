import { env } from "cloudflare:workers";
import { XMLParser } from "fast-xml-parser";
import { describe, expect, it } from "vitest";
import { findSeries } from "../../worker/content/catalog";
import { signDeliveryTokens } from "../../worker/tokens";
import { deliveredReader } from "../helpers/reader-helpers";
import {
  BASE,
  confirmLinkOf,
  confirmVia,
  DEFAULT_SERIES,
  get,
  settled,
  signUp,
  subscribeForm,
  uniqueEmail,
  testKeyring,
} from "../helpers/route-helpers";
import { findSubscriber, outboxFor, partStat } from "../helpers/rows";

const referralOf = (email: string) =>
  env.DB.prepare("SELECT referrer_id, referral_part_id FROM subscribers WHERE email_key = lower(?1)")
    .bind(email)
    .first<{ referrer_id: number | null; referral_part_id: string | null }>();

describe("referral links", () => {
  it("the signup page carries a well-formed ref through the form; a malformed one is left out", async () => {
    const referrer = await deliveredReader();
    const html = await (await get(`/s/${DEFAULT_SERIES}?ref=${referrer.tokens.referral}`)).text();
    expect(html).toContain(`<input type="hidden" name="ref" value="${referrer.tokens.referral}"/>`);
    const bad = await (
      await get(`/s/${DEFAULT_SERIES}?ref=${encodeURIComponent('"><script>alert(1)</script>')}`)
    ).text();
    expect(bad).not.toContain('name="ref"');
    expect(bad).not.toContain("<script>alert(1)");
  });

  it("a new reader who signs up through it is attributed to the referrer's part, counted when they confirm, once", async () => {
    const referrer = await deliveredReader();
    const referrerBefore = await env.DB.prepare("SELECT * FROM subscribers WHERE id = ?1")
      .bind(referrer.subscriberId)
      .first();
    const before = await partStat(DEFAULT_SERIES, 1);

    const email = uniqueEmail("referred");
    const res = await subscribeForm({ email, series: DEFAULT_SERIES, ref: referrer.tokens.referral });
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).not.toContain(referrer.email); // the referrer is never revealed
    expect(await referralOf(email)).toEqual({ referrer_id: referrer.subscriberId, referral_part_id: referrer.partId });
    expect((await partStat(DEFAULT_SERIES, 1)).referrals).toBe(before.referrals); // not yet: unconfirmed

    await settled();
    const confirm = confirmLinkOf((await outboxFor(email))[0]!);
    expect((await confirmVia(confirm)).status).toBe(200);
    expect((await partStat(DEFAULT_SERIES, 1)).referrals - before.referrals).toBe(1);
    await (await confirmVia(confirm)).body?.cancel(); // a second press: already confirmed, not counted again
    expect((await partStat(DEFAULT_SERIES, 1)).referrals - before.referrals).toBe(1);

    // Nothing about the referrer changed.
    expect(await env.DB.prepare("SELECT * FROM subscribers WHERE id = ?1").bind(referrer.subscriberId).first()).toEqual(
      referrerBefore,
    );
  });

  it("a referred reader who confirms another series first counts nowhere there", async () => {
    const referrer = await deliveredReader();
    const email = uniqueEmail("referred-elsewhere");
    expect((await subscribeForm({ email, series: DEFAULT_SERIES, ref: referrer.tokens.referral })).status).toBe(200);
    expect((await subscribeForm({ email, series: "fixture-four" })).status).toBe(200);
    await settled();
    const before = await partStat("fixture-four", 1);
    const other = (await outboxFor(email)).find((mail) => mail.subject.includes("Fixture Four"))!;
    expect((await confirmVia(confirmLinkOf(other))).status).toBe(200);
    expect(await partStat("fixture-four", 1)).toEqual(before);
  });

  it("an existing reader keeps their (absent) referrer: a ref never changes anyone already known", async () => {
    const referrer = await deliveredReader();
    const known = await signUp(uniqueEmail("known"));
    expect((await subscribeForm({ email: known.email, ref: referrer.tokens.referral })).status).toBe(200);
    expect(await referralOf(known.email)).toEqual({ referrer_id: null, referral_part_id: null });
  });

  it("a bad ref is silently ignored: the signup works as usual", async () => {
    const referrer = await deliveredReader();
    const otherSeries = await deliveredReader({ series: "fixture-four", part: 2 });
    const unknown = await signDeliveryTokens(testKeyring(), 987_654_321);
    const [id, tag] = referrer.tokens.referral.split(".") as [string, string];
    for (const ref of [
      referrer.tokens.reader, // the reader tag is not a referral tag
      `${id}.${tag.slice(0, -1)}${tag.endsWith("A") ? "B" : "A"}`,
      `${Number(id) + 1}.${tag}`,
      unknown.referral,
      otherSeries.tokens.referral, // another series' email: this signup is for the default series
      "",
      "x".repeat(5000),
      "<script>alert(1)</script>",
    ]) {
      const email = uniqueEmail("badref");
      const res = await subscribeForm({ email, series: DEFAULT_SERIES, ref });
      expect(res.status, ref.slice(0, 40)).toBe(200);
      expect(await findSubscriber(email)).not.toBeNull();
      expect(await referralOf(email)).toEqual({ referrer_id: null, referral_part_id: null });
    }
  });
});

describe("GET /p/:series/feed.xml", () => {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: "@",
    isArray: (name) => name === "entry" || name === "link",
  });

  it("is an Atom feed of the published parts, newest first, linking to their web views", async () => {
    const res = await get("/p/fixture-four/feed.xml");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/atom+xml; charset=utf-8");
    const feed = parser.parse(await res.text()).feed;
    expect(feed["@xmlns"]).toBe("http://www.w3.org/2005/Atom");
    expect(feed["@xml:base"]).toBe(`${BASE}/`);
    expect(feed.title).toBe(findSeries("fixture-four")!.title);
    expect(feed.id).toBe(`${BASE}/p/fixture-four`);
    expect(feed.link).toContainEqual({
      "@rel": "self",
      "@type": "application/atom+xml",
      "@href": `${BASE}/p/fixture-four/feed.xml`,
    });
    expect(feed.entry.map((entry: { title: string }) => entry.title)).toEqual([
      "Fixture part 4",
      "Fixture part 3",
      "Fixture part 2",
      "Fixture part 1",
    ]);
    const last = feed.entry[0];
    expect(last.link).toEqual([
      { "@rel": "alternate", "@type": "text/html", "@href": `${BASE}/p/fixture-four/fixture-part-4` },
    ]); // by id: stable when parts move
    expect(last.id).toBe(`${BASE}/p/fixture-four/fixture-part-4`);
    expect(last.updated).toMatch(/^\d{4}-\d{2}-\d{2}T00:00:00Z$/);
    expect(last.summary).toBe("Test preview for fixture part 4.");
    expect(feed.updated).toBe(
      feed.entry
        .map((entry: { updated: string }) => entry.updated)
        .sort()
        .at(-1),
    );
  });

  it("escapes markup and ampersands: the parser reads back exactly the author's text", async () => {
    const res = await get("/p/fixture-windowed/feed.xml");
    const xml = await res.text();
    expect(xml).not.toContain("<b>not bold</b>");
    const feed = parser.parse(xml).feed;
    const part2 = feed.entry.find((entry: { title: string }) => entry.title === "Windowed part 2");
    expect(part2.summary).toBe('Test preview for windowed part 2: <b>not bold</b> & "quoted" ]]> done.');
    expect(part2.content["#text"]).toContain("<p>Windowed part 2 body.");
    expect(part2.content["@type"]).toBe("html");
  });

  it("is linked from the series index; an unknown series is a 404", async () => {
    const index = await (await get(`/p/${DEFAULT_SERIES}`)).text();
    expect(index).toContain(
      `<link rel="alternate" type="application/atom+xml" title="Origins of Lead Change (Atom feed)" href="/p/${DEFAULT_SERIES}/feed.xml"/>`,
    );
    expect((await get("/p/no-such-series/feed.xml")).status).toBe(404);
  });
});

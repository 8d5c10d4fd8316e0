import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { recordClicks } from "../../worker/actions/record-clicks";
import { clickReason, requestReason } from "../../worker/actions/scanner-rules";
import { readConfig } from "../../worker/config";
import type { ClickMessage } from "../../worker/env";
import { findPart, findSeries, listSeries } from "../../worker/content/catalog";
import { composePartEmail } from "../../worker/delivery/compose";
import { signDeliveryTokens, verifyReaderToken, verifyReferralToken } from "../../worker/tokens";
import { clickOf, collectingClickQueue } from "../helpers/click-helpers";
import { recordingD1 } from "../helpers/recording-d1";
import {
  actionPath,
  BROWSER_UA,
  deliveredReader,
  click,
  clicksSettle,
  type DeliveredReader,
} from "../helpers/reader-helpers";
import {
  adminSend,
  BASE,
  DEFAULT_SERIES,
  extractLinks,
  signUpAndConfirm,
  testKeyring,
  uniqueIp,
  url,
} from "../helpers/route-helpers";
import { clicksOf, deliveryRow, outboxFor, partStat } from "../helpers/rows";

describe("action links in a part email", () => {
  it("every link of the email is tracked: /a/<reader token>/<series>/<part id>/<n>, /u/ and /prefs/<same token>, the referral link; nothing raw", async () => {
    const reader = await signUpAndConfirm();
    expect((await adminSend({ subscriber: reader.email })).status).toBe(200);
    const part = (await outboxFor(reader.email)).find((mail) => mail.subject.includes("Part 1"))!;
    const [delivery] = (
      await env.DB.prepare("SELECT id FROM deliveries WHERE subscriber_id = ?1")
        .bind(reader.subscriber.id)
        .all<{ id: number }>()
    ).results;
    const tokens = await signDeliveryTokens(testKeyring(), delivery!.id);

    const links = extractLinks(part.html);
    expect(links).toEqual([
      `${BASE}/a/${tokens.reader}/${DEFAULT_SERIES}/the-opportunity/1`, // the body's "here"
      `${BASE}/a/${tokens.reader}/${DEFAULT_SERIES}/the-opportunity/0`, // the call to action
      `${BASE}/s/${DEFAULT_SERIES}?ref=${tokens.referral}`,
      `${BASE}/prefs/${tokens.reader}`, // the reader's preference page
      `${BASE}/u/${tokens.reader}`,
      `${BASE}/p/${DEFAULT_SERIES}/the-opportunity`, // view in browser, by the part's id
    ]);
    expect(part.html).toContain("Know someone who would like this? Send them your link:");
    for (const link of links) expect(part.text).toContain(link);
    expect(part.headers["List-Unsubscribe"]).toContain(`<${BASE}/u/${tokens.reader}>`);
    // One signature per email: the reader tag and the referral tag are two slices of it, for this delivery,
    // under the newest key, the delivery id hidden.
    expect(await verifyReaderToken(testKeyring(), tokens.reader)).toBe(delivery!.id);
    expect(await verifyReferralToken(testKeyring(), tokens.referral)).toBe(delivery!.id);
    expect(tokens.reader.split(".").slice(0, 2)).toEqual(tokens.referral.split(".").slice(0, 2));
    expect(tokens.reader.split(".")[0]).toBe("t2");
    expect(tokens.reader.split(".")).not.toContain(String(delivery!.id));
  });

  it("no compiled part of any series holds a raw target link; every target is in part.links", () => {
    for (const series of listSeries()) {
      for (const part of series.parts) {
        const hrefs = [...part.email.html.matchAll(/\shref="([^"]*)"/g)].map((m) => m[1]!);
        for (const href of hrefs)
          expect(href).toMatch(/^\{\{\{(action_url|unsubscribe_url|preferences_url|web_url|referral_url)\}\}\}/);
        expect(hrefs).toContain("{{{action_url}}}/0");
        expect(part.links.length).toBeGreaterThanOrEqual(1);
        for (let n = 1; n < part.links.length; n++) expect(hrefs).toContain(`{{{action_url}}}/${n}`);
      }
    }
    expect(findPart(findSeries("fixture-four")!, 2)!.links).toEqual([
      "https://example.com/fixture-four/cta-2",
      "/p/fixture-four",
      "https://example.com/fixture-four/source?a=1&b=2",
      "/p/fixture-four",
      "mailto:author@example.com",
    ]);
  });

  it("a retried batch is byte-identical: composing the same delivery twice gives the same email", async () => {
    const series = findSeries("fixture-four")!;
    const member = {
      id: 42,
      subscriptionId: 7,
      subscriberId: 9,
      series: series.slug,
      partId: series.parts[1]!.id,
      partNumber: 2,
      toEmail: "a@example.com",
      toName: "Ann",
      timezone: null,
    };
    const config = readConfig(env);
    const first = await composePartEmail(config, series, findPart(series, 2)!, member);
    const again = await composePartEmail(config, series, findPart(series, 2)!, member);
    expect(JSON.stringify(again)).toBe(JSON.stringify(first));
  });
});

describe("GET /a/:token/:series/:part/:n", () => {
  it("answers 302 to the part's own target for each link number", async () => {
    const reader = await deliveredReader({ series: "fixture-four", part: 2 });
    const expected = [
      "https://example.com/fixture-four/cta-2",
      `${BASE}/p/fixture-four`,
      "https://example.com/fixture-four/source?a=1&b=2",
      `${BASE}/p/fixture-four`,
      "mailto:author@example.com",
    ];
    for (const [n, target] of expected.entries()) {
      const res = await click(actionPath(reader, n));
      expect(res.status, `link ${n}`).toBe(302);
      expect(res.headers.get("location")).toBe(target);
      expect(res.headers.get("cache-control")).toBe("private, no-store");
    }
    await clicksSettle(reader.deliveryId, expected.length);
  });

  it("a delivery's links follow the part it carried (its id), not the part now at its old position", async () => {
    // Sent as part 2; a later deploy inserted a part before it, so position 2 is another part today.
    const reader = await deliveredReader({ series: "fixture-four", part: 3 });
    await env.DB.prepare("UPDATE deliveries SET part_number = 2 WHERE id = ?1").bind(reader.deliveryId).run();
    const before = await partStat("fixture-four", 3);
    const res = await click(actionPath(reader, 0));
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://example.com/fixture-four/cta-3");
    await clicksSettle(reader.deliveryId, 1);
    expect((await partStat("fixture-four", 3)).humanClicks - before.humanClicks).toBe(1);
    const { results } = await env.DB.prepare("SELECT part_id AS id FROM clicks WHERE delivery_id = ?1")
      .bind(reader.deliveryId)
      .all();
    expect(results).toEqual([{ id: "fixture-part-3" }]);
  });

  it("a response call to action leads to the reader's own response page", async () => {
    const reader = await deliveredReader();
    const res = await click(actionPath(reader, 0));
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${BASE}/respond/${reader.tokens.reader}`);
    await clicksSettle(reader.deliveryId, 1);
  });

  it("HEAD is answered like GET and flagged; scanner user agents and missing ones are flagged", async () => {
    const scanners = [
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) BingPreview/1.0b",
      "Barracuda Sentinel (EE)",
      "python-requests/2.32.3",
      "curl/8.5.0",
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0 Safari/537.36",
      "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
    ];
    const reader = await deliveredReader({ series: "fixture-four", part: 1 });
    const head = await click(actionPath(reader, 0), { "user-agent": BROWSER_UA }, "HEAD");
    expect(head.status).toBe(302);
    expect(head.headers.get("location")).toBe("https://example.com/fixture-four/cta-1");
    // Across the email's links: at most MAX_CLICKS_PER_LINK clicks of one link are kept.
    for (const [i, agent] of scanners.entries())
      expect((await click(actionPath(reader, i % 2), { "user-agent": agent })).status).toBe(302);
    expect((await click(actionPath(reader, 0), {})).status).toBe(302);
    await clicksSettle(reader.deliveryId, scanners.length + 2);
    const reasons = (await clicksOf(reader.deliveryId)).map((row) => row.scannerReason);
    expect(reasons).toEqual(["head", ...scanners.map(() => "user-agent"), "user-agent"]);
  });

  it("a click within 15 s of sending is flagged too-soon", async () => {
    const reader = await deliveredReader({ series: "fixture-four", part: 3, sentAgoMs: 2_000 });
    expect((await click(actionPath(reader, 0))).status).toBe(302);
    await clicksSettle(reader.deliveryId, 1);
    expect(await clicksOf(reader.deliveryId)).toEqual([{ link: 0, scannerReason: "too-soon" }]);
  });

  it("counts a delivery once as a human click however often the reader clicks", async () => {
    const reader = await deliveredReader({ series: "fixture-four", part: 4 });
    const before = await partStat("fixture-four", 4);
    for (let i = 0; i < 3; i++) expect((await click(actionPath(reader, 0))).status).toBe(302);
    await clicksSettle(reader.deliveryId, 3);
    // Same link each time (not a burst): three people-clicks kept, one counted.
    expect((await clicksOf(reader.deliveryId)).map((row) => row.scannerReason)).toEqual([null, null, null]);
    const after = await partStat("fixture-four", 4);
    expect(after.humanClicks - before.humanClicks).toBe(1);
    expect(after.scannerClicks - before.scannerClicks).toBe(0);
    expect((await deliveryRow(reader.deliveryId))!.humanClickedAt).not.toBeNull();
  });

  it("answers from the token and the catalog: no D1 on the request path, one message on the click queue", async () => {
    const reader = await deliveredReader({ series: "fixture-windowed", part: 1 });
    const counting = recordingD1(env.DB);
    const { queue, sent } = collectingClickQueue();
    const ctx = createExecutionContext();
    const res = await worker.fetch(clickRequest(reader), { ...env, DB: counting.db, CLICK_QUEUE: queue }, ctx);
    expect(res.status).toBe(302);
    await waitOnExecutionContext(ctx);
    expect(counting.counts).toEqual({ calls: 0, statements: 0 });
    expect(sent).toEqual([
      {
        id: expect.stringMatching(/^[\w-]{8}$/),
        deliveryId: reader.deliveryId,
        series: "fixture-windowed",
        partId: reader.partId,
        link: 0,
        at: expect.any(Number),
        reason: null,
      },
    ]);
    expect(await clicksOf(reader.deliveryId)).toEqual([]);
  });

  it("without the click queue, the click is written after the answer by the same verb, a batch of one", async () => {
    const reader = await deliveredReader({ series: "fixture-windowed", part: 1 });
    const { CLICK_QUEUE: _queue, ...withoutQueue } = env;
    const counting = recordingD1(env.DB);
    const ctx = createExecutionContext();
    expect((await worker.fetch(clickRequest(reader), { ...withoutQueue, DB: counting.db }, ctx)).status).toBe(302);
    await waitOnExecutionContext(ctx);
    expect(await clicksOf(reader.deliveryId)).toEqual([{ link: 0, scannerReason: null }]);
    // Its read and its one transaction.
    expect(counting.counts.calls).toBe(2);
  });

  it("a click whose queue send fails is written inline instead: answered means recorded", async () => {
    const reader = await deliveredReader({ series: "fixture-windowed", part: 2 });
    const broken = {
      send: async () => Promise.reject(new Error("queue unavailable")),
    } as unknown as Queue<ClickMessage>;
    const ctx = createExecutionContext();
    expect((await worker.fetch(clickRequest(reader), { ...env, CLICK_QUEUE: broken }, ctx)).status).toBe(302);
    await waitOnExecutionContext(ctx);
    expect(await clicksOf(reader.deliveryId)).toEqual([{ link: 0, scannerReason: null }]);
  });
});

describe("recordClicks (the verb): bursts and the funnel", () => {
  it("several links of one email within a second: all flagged burst, and the human count is taken back", async () => {
    const t0 = Date.now();
    const reader = await deliveredReader({ series: "fixture-windowed", part: 2 });
    const before = await partStat("fixture-windowed", 2);
    await recordClicks({ db: env.DB }, [clickOf(reader, 0, t0)]);
    expect((await partStat("fixture-windowed", 2)).humanClicks - before.humanClicks).toBe(1);
    await recordClicks({ db: env.DB }, [clickOf(reader, 1, t0 + 300)]);
    await recordClicks({ db: env.DB }, [clickOf(reader, 2, t0 + 600)]);
    expect(await clicksOf(reader.deliveryId)).toEqual([
      { link: 0, scannerReason: "burst" },
      { link: 1, scannerReason: "burst" },
      { link: 2, scannerReason: "burst" },
    ]);
    let after = await partStat("fixture-windowed", 2);
    expect(after.humanClicks - before.humanClicks).toBe(0);
    expect(after.scannerClicks - before.scannerClicks).toBe(1);
    expect(await deliveryRow(reader.deliveryId)).toMatchObject({ humanClickedAt: null, scannerClickedAt: t0 });

    // The reader comes back a minute later: now a person, counted once.
    await recordClicks({ db: env.DB }, [clickOf(reader, 0, t0 + 60_000)]);
    await recordClicks({ db: env.DB }, [clickOf(reader, 0, t0 + 70_000)]);
    after = await partStat("fixture-windowed", 2);
    expect(after.humanClicks - before.humanClicks).toBe(1);
    expect(after.scannerClicks - before.scannerClicks).toBe(1);
    expect(await deliveryRow(reader.deliveryId)).toMatchObject({ humanClickedAt: t0 + 60_000, scannerClickedAt: t0 });
  });

  it("the same link twice within a second is not a burst; flagged clicks count once as scanner clicks", async () => {
    const t0 = Date.now();
    const reader = await deliveredReader({ series: "fixture-four", part: 2 });
    const before = await partStat("fixture-four", 2);
    await recordClicks({ db: env.DB }, [clickOf(reader, 3, t0)]);
    await recordClicks({ db: env.DB }, [clickOf(reader, 3, t0 + 200)]);
    await recordClicks({ db: env.DB }, [clickOf(reader, 3, t0 + 5_000, "user-agent")]);
    await recordClicks({ db: env.DB }, [clickOf(reader, 3, t0 + 9_000, "head")]);
    expect((await clicksOf(reader.deliveryId)).map((row) => row.scannerReason)).toEqual([
      null,
      null,
      "user-agent",
      "head",
    ]);
    const after = await partStat("fixture-four", 2);
    expect(after.humanClicks - before.humanClicks).toBe(1);
    expect(after.scannerClicks - before.scannerClicks).toBe(1);
  });

  it("a delivery counted before clicks had marks keeps its person-click: a later burst cannot take it back", async () => {
    const t0 = Date.now();
    const reader = await deliveredReader({ series: "fixture-four", part: 3 });
    // As an older version left it: a human click on record, counted, no marks.
    await env.DB.prepare("UPDATE deliveries SET human_clicked_at = ?2 WHERE id = ?1")
      .bind(reader.deliveryId, t0 - 30_000)
      .run();
    const before = await partStat("fixture-four", 3);
    await recordClicks({ db: env.DB }, [clickOf(reader, 0, t0), clickOf(reader, 1, t0 + 100)]);
    const after = await partStat("fixture-four", 3);
    expect(after.humanClicks - before.humanClicks).toBe(0);
    expect(after.scannerClicks - before.scannerClicks).toBe(1);
    expect(await deliveryRow(reader.deliveryId)).toMatchObject({ humanClickedAt: t0 - 30_000, scannerClickedAt: t0 });
  });

  it("scanner rules: HEAD, then the user agent (from the request), then timing (from the delivery)", () => {
    const now = 1_000_000;
    expect(requestReason("GET", BROWSER_UA)).toBeNull();
    expect(requestReason("HEAD", BROWSER_UA)).toBe("head");
    expect(requestReason("GET", undefined)).toBe("user-agent");
    expect(requestReason("GET", "Mimecast URL Protect")).toBe("user-agent");
    expect(requestReason("GET", "Proofpoint URL Defense")).toBe("user-agent");
    expect(clickReason(null, now, now - 60_000)).toBeNull();
    expect(clickReason("head", now, now - 60_000)).toBe("head");
    expect(clickReason(null, now, now - 14_999)).toBe("too-soon");
    expect(clickReason(null, now, now - 15_000)).toBeNull();
    expect(clickReason(null, now, null)).toBe("too-soon");
  });
});

/** The request a mail app's browser makes for link 0 of the reader's email. */
function clickRequest(reader: DeliveredReader) {
  return new Request(url(actionPath(reader, 0)), {
    headers: { "user-agent": BROWSER_UA, "cf-connecting-ip": uniqueIp() },
  });
}

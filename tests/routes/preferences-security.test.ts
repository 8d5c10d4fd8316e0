import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signConfirmToken, signDeliveryTokens, signPreferencesToken } from "../../worker/tokens";
import { openPage, press, readerWithPart1, snapshot, subscriptionOf } from "../helpers/preferences-helpers";
import {
  escapeHtml,
  flipMiddle,
  foreignKeyring,
  get,
  inOneRateWindow,
  postForm,
  oldFormatToken,
  testKeyring,
  uniqueIp,
  url,
} from "../helpers/route-helpers";
import { findSubscriber } from "../helpers/rows";

describe("a GET changes nothing (mail scanners follow every link)", () => {
  it("GET and HEAD of the page, in every state, and of the buttons' own addresses, leave every table as it was", async () => {
    const reading = await readerWithPart1();
    const paused = await readerWithPart1();
    await press("pause", paused.token, { for: "back" });
    const left = await readerWithPart1();
    await press("unsubscribe", left.token, { from: "all" });
    const before = await snapshot();
    for (const token of [reading.token, paused.token, left.token]) {
      expect((await openPage(token)).status).toBe(200);
      expect((await SELF.fetch(url(`/prefs/${token}`), { method: "HEAD" })).status).toBe(200);
    }
    for (const action of ["next", "pause", "resume", "when", "join", "unsubscribe", "export", "erase"]) {
      const res = await get(`/prefs/${action}?token=${reading.token}&for=7&from=all&confirm=erase`);
      expect(res.status, action).toBe(400);
      await res.body?.cancel();
    }
    expect((await get(`/prefs/erase/confirm?token=${reading.token}&confirm=erase`)).status).toBe(404);
    expect(await snapshot()).toBe(before);
  });
});

describe("only the reader's own token opens their page", () => {
  it("a forged token, another key's, a referral or confirm token, an older unsubscribe token: refused, nothing changed", async () => {
    const reader = await readerWithPart1();
    const subscription = await subscriptionOf(reader.subscriberId, "fixture-four");
    const delivery = await env.DB.prepare("SELECT id FROM deliveries WHERE subscriber_id = ?1")
      .bind(reader.subscriberId)
      .first<{ id: number }>();
    const ownPrefs = signPreferencesToken(testKeyring(), subscription.id);
    const forged = [
      flipMiddle(reader.token),
      signDeliveryTokens(foreignKeyring(), delivery!.id).reader,
      // The referral tag is meant to be shared: it must never act as the reader.
      signDeliveryTokens(testKeyring(), delivery!.id).referral,
      signConfirmToken(testKeyring(), 1, Date.now() + 60_000),
      oldFormatToken(`unsubscribe|${reader.subscriberId}|fixture-four|0`),
      flipMiddle(ownPrefs),
      signPreferencesToken(foreignKeyring(), subscription.id),
      // A preferences token is not a delivery token without its prefix, nor the other way round.
      ownPrefs.slice(2),
      `s.${reader.token}`,
    ];
    const before = await snapshot();
    for (const token of forged) {
      expect((await openPage(token)).status, token).toBe(400);
      expect((await press("unsubscribe", token, { from: "all" })).status, token).toBe(400);
    }
    expect(await snapshot()).toBe(before);
    expect((await openPage(ownPrefs)).status).toBe(200);
  });

  it("a token acts on its own reader only: another reader's subscription is untouched", async () => {
    const ann = await readerWithPart1();
    const bob = await readerWithPart1();
    const bobBefore = await subscriptionOf(bob.subscriberId, "fixture-four");
    expect(
      (await press("pause", ann.token, { for: "back", subscriber: String(bob.subscriberId), series: "fixture-four" }))
        .status,
    ).toBe(200);
    expect((await subscriptionOf(ann.subscriberId, "fixture-four")).status).toBe("paused");
    expect(await subscriptionOf(bob.subscriberId, "fixture-four")).toEqual(bobBefore);
  });

  it("the preference token does not open the other doors (unsubscribe link, response page, action links)", async () => {
    const reader = await readerWithPart1();
    const prefs = signPreferencesToken(testKeyring(), (await subscriptionOf(reader.subscriberId, "fixture-four")).id);
    const before = await snapshot();
    expect((await get(`/u/${prefs}`)).status).toBe(400);
    expect((await postForm(`/u/${prefs}`, { "List-Unsubscribe": "One-Click" })).status).toBe(400);
    expect((await get(`/respond/${prefs}`)).status).toBe(400);
    expect((await get(`/a/${prefs}/fixture-four/fixture-part-1/0`)).status).toBe(400);
    expect(await snapshot()).toBe(before);
  });
});

describe("every change is a same-origin form of this site", () => {
  it("a cross-site POST, or one without an Origin, is refused with a 403 and changes nothing", async () => {
    const reader = await readerWithPart1();
    const before = await snapshot();
    for (const origin of ["https://evil.example", null, "null"]) {
      for (const [action, fields] of [
        ["unsubscribe", { from: "all" }],
        ["erase/confirm", { confirm: "erase" }],
        ["pause", { for: "7" }],
      ] as const) {
        const res = await press(action, reader.token, fields, { origin });
        expect(res.status, `${action} from ${origin}`).toBe(403);
        await res.body?.cancel();
      }
    }
    expect(await snapshot()).toBe(before);
  });
});

describe("markup is escaped, never reflected", () => {
  it("a name holding markup shows as text", async () => {
    const name = `<script>alert(1)</script><b>Ann</b> "&" 'x'`;
    const reader = await readerWithPart1({ name });
    expect((await findSubscriber(reader.email))!.name).toBe(name);
    const html = await (await openPage(reader.token)).text();
    expect(html).toContain(`Hi ${escapeHtml(name)}.`);
    expect(html).not.toContain("<script>alert(1)");
    expect(html).not.toContain("<b>Ann</b>");
  });

  it("a field holding markup is refused with a fixed message: nothing typed comes back", async () => {
    const reader = await readerWithPart1();
    const res = await press("when", reader.token, { timezone: `"><img src=x onerror=alert(1)>`, hour: "" });
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).not.toContain("onerror");
    expect(html).toContain("Please choose a time zone from the list.");
  });
});

describe("never cached, never indexed", () => {
  it("the page, a press's answer, the export and an error all say private, no-store and noindex", async () => {
    const reader = await readerWithPart1();
    for (const res of [
      await openPage(reader.token),
      await press("pause", reader.token, { for: "7" }),
      await press("export", reader.token),
      await openPage("nope"),
    ]) {
      expect(res.headers.get("cache-control")).toBe("private, no-store");
      expect(res.headers.get("x-robots-tag")).toBe("noindex");
      await res.body?.cancel();
    }
  });
});

describe("presses are rate limited (PREFERENCES_LIMITER: 20 a minute)", () => {
  it("per client: the 21st press from one address within a minute is a 429 with Retry-After, and changes nothing", async () => {
    const readers = await Promise.all([readerWithPart1(), readerWithPart1()]);
    const statuses = await inOneRateWindow(60, async (ip) => {
      const seen: number[] = [];
      for (let i = 0; i < 21; i++) {
        const res = await press("pause", readers[i % 2]!.token, { for: "7" }, { ip });
        seen.push(res.status);
        if (res.status === 429) expect(res.headers.get("retry-after")).toBe("60");
        await res.body?.cancel();
      }
      return seen;
    });
    expect(statuses.slice(0, 20).every((status) => status === 200)).toBe(true);
    expect(statuses[20]).toBe(429);
  });

  it("per subscription: a token pressed from many addresses is limited too", async () => {
    const reader = await readerWithPart1();
    const statuses = await inOneRateWindow(60, async () => {
      const seen: number[] = [];
      for (let i = 0; i < 21; i++) {
        const res = await press("pause", reader.token, { for: "7" }, { ip: uniqueIp() });
        seen.push(res.status);
        await res.body?.cancel();
      }
      return seen;
    });
    expect(statuses.filter((status) => status === 429)).toEqual([429]);
    expect(statuses[20]).toBe(429);
  });
});

import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { runReadingChecks } from "../../worker/reengage/run-reading-checks";
import { signDeliveryTokens, signReadingCheckToken } from "../../worker/tokens";
import { DAY, resetDatabase, runCycleAt, seedReaders } from "../helpers/delivery-helpers";
import {
  CHECK_SUBJECT,
  REENGAGE_SERIES,
  checksOf,
  keepLinkOf,
  reengageCounters,
} from "../helpers/reading-check-helpers";
import { foreignKeyring, get, postForm, testKeyring, unsubscribeLinkOf } from "../helpers/route-helpers";
import { findSubscriber, outboxFor, subscriptionsOf, type OutboxRow } from "../helpers/rows";
import { testDeps } from "../helpers/test-deps";

/**
 * The "Still reading?" email and its keep page, as a reader, a mail scanner and an attacker meet them. A reader
 * is brought to the question by the engine itself: two quiet parts behind them, part 3 sent, the check a day later.
 */
const T0 = Date.UTC(2030, 2, 4, 12, 0);

beforeEach(async () => {
  await resetDatabase();
  await env.DB.prepare("DELETE FROM series_days").run();
});

async function askedReader(prefix: string, name = "Reader 1") {
  await seedReaders({ series: REENGAGE_SERIES, count: 1, prefix, nextPart: 3, dueAt: T0 });
  const email = `${prefix}1@example.com`;
  const reader = (await findSubscriber(email))!;
  await env.DB.batch([
    env.DB.prepare("UPDATE subscriptions SET quiet_parts = 2 WHERE subscriber_id = ?1").bind(reader.id),
    env.DB.prepare("UPDATE subscribers SET name = ?2 WHERE id = ?1").bind(reader.id, name),
  ]);
  await runCycleAt(T0);
  expect((await runReadingChecks(testDeps({ clock: () => T0 + DAY }))).checks.sent).toBe(1);
  const mail = (await outboxFor(email)).find((row) => row.subject === CHECK_SUBJECT)!;
  const keep = new URL(keepLinkOf(mail)).pathname;
  return { email, reader, mail, keep, token: keep.split("/").pop()! };
}

/** Everything the keep button could change: the check, the subscription, the day counters. */
async function state(subscriberId: number) {
  return {
    checks: await checksOf(subscriberId),
    subscriptions: await subscriptionsOf(subscriberId),
    days: (await env.DB.prepare("SELECT * FROM series_days ORDER BY series, day").all()).results,
  };
}

/** A browser is answered with a page that says what went wrong. */
const pageText = (res: Response) => res.text();

describe("the email", () => {
  it("leads to the keep page, carries the one-click unsubscribe, and escapes the reader's name", async () => {
    const { mail } = await askedReader("mail", `<b>Ann</b> & "Co"`);
    expect(mail.html).toContain("Hi &lt;b&gt;Ann&lt;/b&gt; &amp; &quot;Co&quot;,");
    expect(mail.html).not.toContain("<b>Ann</b>");
    const unsubscribe = unsubscribeLinkOf(mail as OutboxRow);
    expect(mail.headers["List-Unsubscribe"]).toContain(`<${unsubscribe}>`);
    expect(mail.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    // Only the keep page, the unsubscribe link: no action link that a scanner's GET could count.
    const links = [...mail.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!);
    expect(links.every((link) => link.includes("/still-reading/") || link.includes("/u/"))).toBe(true);
    expect(mail.text).toContain("If we do not hear from you within 3 days, we will pause your subscription.");
  });

  it("its unsubscribe link (the RFC 8058 one-click POST) ends the subscription", async () => {
    const { mail, reader, keep } = await askedReader("leave");
    const path = new URL(unsubscribeLinkOf(mail as OutboxRow)).pathname;
    const res = await postForm(path, { "List-Unsubscribe": "One-Click" }, { origin: null });
    expect(res.status).toBe(200);
    expect((await subscriptionsOf(reader.id))[0]!.status).toBe("stopped");
    // The keep page no longer offers anything, and pressing it cannot bring them back.
    expect(await (await get(keep)).text()).toContain("This subscription has ended");
    expect(await (await postForm(keep, {})).text()).toContain("This subscription has ended");
    expect((await subscriptionsOf(reader.id))[0]!.status).toBe("stopped");
  });
});

describe("the keep page", () => {
  it("GET shows the button and changes nothing, however often a scanner follows it", async () => {
    const { reader, keep } = await askedReader("scanner");
    const before = await state(reader.id);
    for (let i = 0; i < 3; i++) {
      const res = await get(keep, { "user-agent": "Barracuda Sentinel (EE)" });
      expect(res.status).toBe(200);
      expect(res.headers.get("cache-control")).toBe("private, no-store");
      const html = await res.text();
      expect(html).toContain(`<form method="post" action="${keep}">`);
      expect(html).toContain("Yes, keep sending");
      expect(html).toContain('<meta name="robots" content="noindex"/>');
    }
    expect(await state(reader.id)).toEqual(before);
  });

  it("POST keeps the reader: their streak starts again, the check closes as kept, counted once however often pressed", async () => {
    const { reader, keep } = await askedReader("press");
    const first = await postForm(keep, {});
    expect(first.status).toBe(200);
    expect(await first.text()).toContain("The next parts of “Fixture Reengage” keep coming.");
    expect((await checksOf(reader.id))[0]).toMatchObject({ status: "kept" });
    expect((await subscriptionsOf(reader.id))[0]).toMatchObject({ status: "active", quietParts: 0 });
    expect(await (await postForm(keep, {})).text()).toContain("The next parts of “Fixture Reengage” keep coming.");
    expect(await (await get(keep)).text()).toContain("You are all set");
    expect(await reengageCounters()).toMatchObject({ kept: 1 });
  });

  it("after the pause, the same button resumes the reader where they were, and clears the reason", async () => {
    const { reader, keep } = await askedReader("late");
    await runReadingChecks(testDeps({ clock: () => T0 + 4 * DAY + 1 }));
    expect((await subscriptionsOf(reader.id))[0]).toMatchObject({ status: "paused", nextPart: 4 });
    expect(await (await get(keep)).text()).toContain("Resume my subscription");
    const res = await postForm(keep, {});
    expect(await res.text()).toContain("Welcome back");
    expect((await subscriptionsOf(reader.id))[0]).toMatchObject({
      status: "active",
      nextPart: 4,
      setAsideReason: null,
      quietParts: 0,
    });
    expect(await reengageCounters()).toEqual({ asked: 1, kept: 1, paused: 1 });
  });

  it("refuses a POST from another site, or with no origin, and changes nothing", async () => {
    const { reader, keep } = await askedReader("csrf");
    const before = await state(reader.id);
    for (const origin of ["https://evil.example", "null", null]) {
      const res = await postForm(keep, {}, { origin });
      expect(res.status, String(origin)).toBe(403);
      expect(await pageText(res)).toContain("This form was sent from another site.");
    }
    expect(await state(reader.id)).toEqual(before);
  });

  it("refuses forged, foreign, truncated and borrowed tokens before reading anything, GET or POST", async () => {
    const { reader, token, mail } = await askedReader("forged");
    const before = await state(reader.id);
    const [check] = await checksOf(reader.id);
    const foreign = signReadingCheckToken(foreignKeyring(), check!.id);
    // The reader's own delivery token signs another message: it is no keep token.
    const borrowed = signDeliveryTokens(testKeyring(), check!.deliveryId).reader;
    // A character inside the tag (the last one's low bits are base64 padding).
    const at = token.length - 5;
    const flipped = token.slice(0, at) + (token[at] === "A" ? "B" : "A") + token.slice(at + 1);
    for (const bad of [
      foreign,
      borrowed,
      flipped,
      token.slice(0, -3),
      "x".repeat(600),
      "t2.AAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
    ]) {
      for (const res of [await get(`/still-reading/${bad}`), await postForm(`/still-reading/${bad}`, {})]) {
        expect(res.status, bad).toBe(400);
        expect(await pageText(res)).toContain("This link does not work. Please copy the whole link from the email.");
      }
    }
    expect(await state(reader.id)).toEqual(before);
    expect(mail.html).not.toContain(foreign);
  });

  it("a genuine token for a check that is gone answers 404", async () => {
    const missing = signReadingCheckToken(testKeyring(), 987_654);
    for (const res of [await get(`/still-reading/${missing}`), await postForm(`/still-reading/${missing}`, {})]) {
      expect(res.status).toBe(404);
      expect(await pageText(res)).toContain("We could not find this subscription.");
    }
  });
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../worker/config";
import { findSeries } from "../../worker/content/catalog";
import { nextSendableTime } from "../../worker/delivery/schedule";
import { localTime } from "../../worker/lib/timezone";
import { formatLocal } from "../../worker/pages/preferences-page";
import { askNextPartNow, NEXT_PART_NOW_PER_DAY } from "../../worker/preferences/next-part-now";
import { readPreferences } from "../../worker/preferences/read-preferences";
import { runRetention } from "../../worker/retention/run-retention";
import { verifyPreferencesToken } from "../../worker/tokens";
import { DAY } from "../helpers/delivery-helpers";
import {
  cycleFor,
  formsOf,
  openPage,
  preferencesLinkOf,
  press,
  readerWithPart1,
  subscriptionOf,
} from "../helpers/preferences-helpers";
import {
  adminFetch,
  BASE,
  confirmVia,
  decodeEntities,
  get,
  signUp,
  testKeyring,
  uniqueEmail,
} from "../helpers/route-helpers";
import { consentsOf, eventsOf, findSubscriber, outboxFor, rowsNaming, subscriptionsOf } from "../helpers/rows";
import { testDeps, testDepsAt } from "../helpers/test-deps";

/** The notice at the top of the page: what the last press changed. */
const noticeOf = (html: string) =>
  decodeEntities(
    /<p class="notice (?:ok|error)" role="(?:status|alert)">([\s\S]*?)<\/p>/.exec(html)?.[1]?.replace(/<[^>]+>/g, "") ??
      "",
  ).trim();
const statusOf = (html: string) =>
  decodeEntities(/<p class="status">([\s\S]*?)<\/p>/.exec(html)?.[1]?.replace(/<[^>]+>/g, "") ?? "");
const NY = "America/New_York"; // fixture-four's zone, for readers who never chose one

describe("the preference page, from a part's footer", () => {
  it("shows where the reader is: the parts received with their web views, the next part and when it is due", async () => {
    const reader = await readerWithPart1({ name: "Ada" });
    const link = preferencesLinkOf(reader.part1);
    expect(link).toBe(`${BASE}/prefs/${reader.token}`);
    const res = await get(link);
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("x-robots-tag")).toBe("noindex");
    const html = await res.text();
    expect(html).toContain('<meta name="robots" content="noindex"/>');
    expect(html).toContain(`This is your page for “Fixture Four”, sent to <strong>${reader.email}</strong>.`);
    expect(html).toContain("Hi Ada.");
    expect(html).toContain(`<a href="${BASE}/p/fixture-four/fixture-part-1">Fixture part 1</a>`);
    const due = (await subscriptionOf(reader.subscriberId, "fixture-four")).dueAt!;
    expect(statusOf(html)).toBe(`Next: part 2, “Fixture part 2”, on ${formatLocal(due, NY)}.`);
    const buttons = formsOf(html).flatMap((form) => form.buttons);
    expect(buttons).toEqual(
      expect.arrayContaining([
        "Send me part 2 now",
        "A week",
        "Two weeks",
        "A month",
        "Until I come back",
        "Save",
        "Join “Fixture Members”",
        "Download my data",
        "Erase my data…",
      ]),
    );
    // Every form posts to the page's own actions with the token in its body.
    for (const form of formsOf(html)) {
      expect(form.action).toMatch(/^\/prefs\/[a-z]+$/);
      expect(form.fields.token).toBe(reader.token);
    }
  });

  it("an old email's link still opens it once retention slimmed the delivery: the part is listed with its day", async () => {
    const reader = await readerWithPart1();
    const sentAt = (await subscriptionOf(reader.subscriberId, "fixture-four")).lastSentAt!;
    const later = sentAt + readConfig(env).retainDeliveriesDays * DAY;
    expect((await runRetention(testDeps(), { now: later })).rows).toMatchObject({ deliveries: expect.any(Number) });
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM deliveries WHERE subscriber_id = ?1")
        .bind(reader.subscriberId)
        .first(),
    ).toEqual({ n: 0 });
    const res = await openPage(reader.token);
    expect(res.status).toBe(200);
    const html = await res.text();
    const day = new Date(sentAt).toISOString().slice(0, 10);
    expect(html).toContain(
      `<a href="${BASE}/p/fixture-four/fixture-part-1">Fixture part 1</a> <span class="date">${day}</span>`,
    );
    expect(html).toContain("Send me part 2 now");
    expect((await press("next", reader.token, { part: "2" })).status).toBe(200);
  });

  it("the confirmation's thanks page links to it too, with a token signed for the subscription", async () => {
    const signed = await signUp(uniqueEmail("thanks"), { series: "fixture-four" });
    const res = await confirmVia(signed.confirmLink);
    const html = await res.text();
    const href = decodeEntities(/<a href="(\/prefs\/[^"]+)">your preferences<\/a>/.exec(html)![1]!);
    const token = href.slice("/prefs/".length);
    expect(token).toMatch(/^s\.t2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{22}$/);
    const subscription = await subscriptionOf(signed.subscriber.id, "fixture-four");
    expect(verifyPreferencesToken(testKeyring(), token)).toBe(subscription.id);
    const page = await openPage(token);
    expect(page.status).toBe(200);
    expect(statusOf(await page.text())).toBe(
      "Part 1, “Fixture part 1”, is on its way: it arrives within a few minutes.",
    );
    // Confirming again (the GET of a used link) shows the same link.
    expect(await (await get(signed.confirmLink)).text()).toContain(`href="${href}"`);
  });
});

describe("next part now", () => {
  it("makes the next part due at once: the next cycle sends it, exactly once, and the page says so", async () => {
    const reader = await readerWithPart1();
    const before = Date.now();
    const res = await press("next", reader.token, { part: "2" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(noticeOf(html)).toBe("Done: part 2 is on its way.");
    expect(statusOf(html)).toBe("Part 2, “Fixture part 2”, is on its way: it arrives within a few minutes.");
    const asked = await subscriptionOf(reader.subscriberId, "fixture-four");
    expect(asked.dueAt).toBeGreaterThanOrEqual(before);
    expect(asked.askedAt).toBe(asked.dueAt);
    // Nothing is sent from the request: the cycle's claim does it.
    expect(await outboxFor(reader.email)).toHaveLength(2);

    expect(await cycleFor(reader.subscriberId)).toMatchObject({ sent: 1 });
    expect(await cycleFor(reader.subscriberId)).toMatchObject({ sent: 0 });
    const subjects = (await outboxFor(reader.email)).map((mail) => mail.subject);
    expect(subjects.slice(1)).toEqual(["Fixture Four, part 1", "Fixture Four, part 2"]);
    // Part 3 keeps its delay, counted from part 2.
    const after = await subscriptionOf(reader.subscriberId, "fixture-four");
    expect(after).toMatchObject({ nextPart: 3 });
    expect(after.dueAt! - after.lastSentAt!).toBe(2 * DAY);
    expect(await eventsOf(reader.subscriberId)).toEqual(["confirmed", "next_part_now"]);
    const page = await (await openPage(reader.token)).text();
    expect(page).toContain("The 2 parts you received");
    expect(page).toContain("Send me part 3 now");
  });

  it(`is capped at ${NEXT_PART_NOW_PER_DAY} a day per reader, across their series; the cap opens again a day after the first press`, async () => {
    const reader = await readerWithPart1();
    for (const part of [2, 3, 4]) {
      expect((await press("next", reader.token, { part: String(part) })).status).toBe(200);
      expect(await cycleFor(reader.subscriberId)).toMatchObject({ sent: 1 });
    }
    const caughtUp = await (await openPage(reader.token)).text();
    expect(statusOf(caughtUp)).toBe("You have every part published so far. The writer's pace: test cadence.");
    expect(caughtUp).not.toContain("Next part now");

    // Another series of the same reader: the cap is theirs, not the series'.
    const joined = await press("join", reader.token, { series: "fixture-windowed" });
    const other = decodeEntities(/<a href="\/prefs\/([^"]+)">Its preferences<\/a>/.exec(await joined.text())![1]!);
    await env.DB.prepare(
      "UPDATE subscriptions SET next_part = 2, due_at = ?2 WHERE subscriber_id = ?1 AND series = 'fixture-windowed'",
    )
      .bind(reader.subscriberId, Date.now() + DAY)
      .run();
    const offered = await (await openPage(other)).text();
    expect(offered).toContain(
      `You asked for ${NEXT_PART_NOW_PER_DAY} parts ahead in the last day: you can ask again from`,
    );
    expect(offered).not.toContain("Send me part 2 now");
    const before = await subscriptionOf(reader.subscriberId, "fixture-windowed");
    const refused = await press("next", other, { part: "2" });
    expect(refused.status).toBe(429);
    expect(noticeOf(await refused.text())).toMatch(
      /^You asked for 3 parts ahead in the last day: you can ask again from /,
    );
    expect(await subscriptionOf(reader.subscriberId, "fixture-windowed")).toEqual(before);
    expect((await eventsOf(reader.subscriberId)).filter((type) => type === "next_part_now")).toHaveLength(3);

    // The verb on a simulated clock: a day after the first press, one press is free again.
    const firstAsk = await env.DB.prepare(
      "SELECT min(created_at) AS at FROM events WHERE subscriber_id = ?1 AND type = 'next_part_now'",
    )
      .bind(reader.subscriberId)
      .first<{ at: number }>();
    const later = firstAsk!.at + DAY + 1;
    const state = (await readPreferences(testDepsAt(later), before.id))!;
    expect(state.asksToday).toBe(NEXT_PART_NOW_PER_DAY - 1);
    expect(await askNextPartNow(testDepsAt(later), { state, series: findSeries("fixture-windowed")! })).toEqual({
      kind: "asked",
      part: 2,
    });
  });

  it("when caught up, the page says when the next part is planned, if the catalog knows", async () => {
    const reader = await readerWithPart1({ series: "fixture-scheduled" });
    const html = await (await openPage(reader.token)).text();
    const planned = Date.parse(findSeries("fixture-scheduled")!.parts[1]!.publishAt!);
    expect(statusOf(html)).toBe(
      `You have every part published so far. The next one is planned for ${formatLocal(planned, "Europe/Paris")}.`,
    );
    expect(html).not.toContain("Next part now");
  });
});

describe("pause and resume", () => {
  it("a week: no part until the date, when the cycle resumes the reader by itself and part 2 follows", async () => {
    const reader = await readerWithPart1();
    const now = Date.now();
    const res = await press("pause", reader.token, { for: "7" });
    expect(res.status).toBe(200);
    const paused = await subscriptionOf(reader.subscriberId, "fixture-four");
    expect(paused.status).toBe("paused");
    expect(paused.pausedUntil! - now).toBeGreaterThanOrEqual(7 * DAY);
    expect(paused.pausedUntil! - now).toBeLessThan(7 * DAY + 60_000);
    const html = await res.text();
    expect(noticeOf(html)).toBe(
      `Paused until ${formatLocal(paused.pausedUntil!, NY)}: then delivery picks up where you left off.`,
    );
    expect(statusOf(html)).toContain(`Paused until ${formatLocal(paused.pausedUntil!, NY)}.`);
    expect(formsOf(html).flatMap((form) => form.buttons)).toContain("Resume now");
    expect(html).not.toContain("Next part now");

    // Part 2 was due a day later: the ticks of the week send nothing.
    for (const day of [1, 3, 6])
      expect(await cycleFor(reader.subscriberId, now + day * DAY)).toMatchObject({ sent: 0 });
    expect(await cycleFor(reader.subscriberId, paused.pausedUntil!)).toMatchObject({ sent: 1 });
    expect(await subscriptionOf(reader.subscriberId, "fixture-four")).toMatchObject({
      status: "active",
      pausedUntil: null,
      nextPart: 3,
    });
    expect(await eventsOf(reader.subscriberId)).toEqual(["confirmed", "paused"]);
  });

  it("until they come back: resume now brings them back where they were", async () => {
    const reader = await readerWithPart1();
    await press("pause", reader.token, { for: "back" });
    const held = await subscriptionOf(reader.subscriberId, "fixture-four");
    expect(held).toMatchObject({ status: "paused", pausedUntil: null });
    expect(statusOf(await (await openPage(reader.token)).text())).toBe(
      "Paused until you come back. Your place is kept.",
    );
    expect(await cycleFor(reader.subscriberId, Date.now() + 30 * DAY)).toMatchObject({ sent: 0 });

    const res = await press("resume", reader.token);
    expect(res.status).toBe(200);
    expect(noticeOf(await res.text())).toBe("Welcome back: delivery picks up where you left off.");
    expect(await subscriptionOf(reader.subscriberId, "fixture-four")).toMatchObject({
      status: "active",
      nextPart: 2,
      dueAt: held.dueAt,
    });
    expect(await cycleFor(reader.subscriberId, held.dueAt!)).toMatchObject({ sent: 1 });
    expect(await eventsOf(reader.subscriberId)).toEqual(["confirmed", "paused", "resumed"]);
  });
});

describe("when parts arrive", () => {
  it("saves the zone and the hour; the next part moves into that hour, and the cycle holds it until then", async () => {
    const reader = await readerWithPart1();
    const res = await press("when", reader.token, { timezone: "Europe/Paris", hour: "7" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(noticeOf(html)).toBe("Saved: parts come between 07:00 and 08:00 (Europe/Paris).");
    expect(html).toContain('<option value="Europe/Paris" selected="">Europe/Paris</option>');
    expect(html).toContain('<option value="7" selected="">07:00–08:00</option>');
    expect((await findSubscriber(reader.email))!.timezone).toBe("Europe/Paris");
    const subscription = await subscriptionOf(reader.subscriberId, "fixture-four");
    expect(subscription.sendHour).toBe(7);
    // A day after part 1, then the next 07:00 in Paris.
    expect(subscription.dueAt).toBe(nextSendableTime(subscription.lastSentAt! + DAY, undefined, "Europe/Paris", 7));
    expect(Math.floor(localTime(subscription.dueAt!, "Europe/Paris").minutes / 60)).toBe(7);

    expect(await cycleFor(reader.subscriberId, subscription.dueAt! - 60_000)).toMatchObject({ sent: 0 });
    expect(await cycleFor(reader.subscriberId, subscription.dueAt!)).toMatchObject({ sent: 1 });
    const next = await subscriptionOf(reader.subscriberId, "fixture-four");
    expect(Math.floor(localTime(next.dueAt!, "Europe/Paris").minutes / 60)).toBe(7);

    // Back to "as soon as due", in the series' own zone.
    const reset = await press("when", reader.token, { timezone: "", hour: "" });
    expect(noticeOf(await reset.text())).toBe(
      "Saved: parts come as soon as they are due (America/New_York, the series' own zone).",
    );
    expect(await subscriptionOf(reader.subscriberId, "fixture-four")).toMatchObject({ sendHour: null });
    expect((await findSubscriber(reader.email))!.timezone).toBeNull();
  });

  it("offers only the hours inside the series' window", async () => {
    const reader = await readerWithPart1({ series: "fixture-windowed" });
    const html = await (await openPage(reader.token)).text();
    const hours = [...html.matchAll(/<option value="(\d+)"/g)].map((m) => m[1]);
    expect(hours).toEqual(["8", "9"]);
    expect(html).toContain("This series sends on weekdays, 08:00–10:00, your time.");
  });
});

describe("the writer's other series", () => {
  it("joins one in one press: the consent recorded with its source and confirmed, part 1 due now and sent by the cycle", async () => {
    const reader = await readerWithPart1();
    const before = Date.now();
    const res = await press("join", reader.token, { series: "fixture-members" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(noticeOf(html)).toBe("You joined “Fixture Members”: its next part is on its way. Its preferences");
    expect(formsOf(html).flatMap((form) => form.buttons)).not.toContain("Join “Fixture Members”");
    const consent = (await consentsOf(reader.subscriberId)).find((row) => row.series === "fixture-members")!;
    expect(consent).toMatchObject({
      form: "preferences",
      consentTextVersion: "preferences-2026-12-01",
      emailStatus: null,
    });
    expect(consent.confirmedAt).toBe(consent.createdAt);
    expect(consent.ipHash).not.toBeNull();
    const joined = await subscriptionOf(reader.subscriberId, "fixture-members");
    expect(joined).toMatchObject({ status: "active", nextPart: 1 });
    expect(joined.dueAt).toBeGreaterThanOrEqual(before);
    expect(await eventsOf(reader.subscriberId)).toEqual(["confirmed", "joined"]);
    const day = new Date(consent.createdAt).toISOString().slice(0, 10);
    const counted = await env.DB.prepare(
      "SELECT confirmations FROM series_days WHERE series = 'fixture-members' AND day = ?1",
    )
      .bind(day)
      .first<{ confirmations: number }>();
    expect(counted!.confirmations).toBeGreaterThanOrEqual(1);

    expect(await cycleFor(reader.subscriberId)).toMatchObject({ sent: 1, perPart: { "fixture-members/1": 1 } });
    const members = (await outboxFor(reader.email)).at(-1)!;
    expect(members.subject).toContain("Fixture Members");
    // Its own footer leads to its own page; the page's readers-only archive links carry the part's token.
    const page = await (await get(preferencesLinkOf(members))).text();
    expect(page).toContain("This is your page for “Fixture Members”");
    expect(page).toMatch(
      /href="https:\/\/news\.example\.com\/p\/fixture-members\/[a-z0-9-]+\?t=t2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{22}"/,
    );
  });
});

describe("leaving", () => {
  it("from this series only: the reader's other series go on, and one press brings them back where they left off", async () => {
    const reader = await readerWithPart1();
    await press("join", reader.token, { series: "fixture-members" });
    const res = await press("unsubscribe", reader.token, { from: "series" });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(noticeOf(html)).toBe("You left “Fixture Four”: no more of its parts will be sent to you.");
    expect(statusOf(html)).toBe("You left this series: no more of its parts are sent to you.");
    expect(formsOf(html).flatMap((form) => form.buttons)).toContain("Join “Fixture Four” again");
    expect((await subscriptionsOf(reader.subscriberId)).map((s) => [s.series, s.status])).toEqual([
      ["fixture-four", "stopped"],
      ["fixture-members", "active"],
    ]);
    expect((await findSubscriber(reader.email))!.status).toBe("active");
    expect(await eventsOf(reader.subscriberId)).toEqual(["confirmed", "joined", "unsubscribed"]);
    expect(await cycleFor(reader.subscriberId, Date.now() + 3 * DAY)).toMatchObject({
      perPart: { "fixture-members/1": 1 },
    });

    const again = await press("join", reader.token, { series: "fixture-four" });
    expect(again.status).toBe(200);
    expect(await subscriptionOf(reader.subscriberId, "fixture-four")).toMatchObject({ status: "active", nextPart: 2 });
  });

  it("from this series when it is their only one, or from everything: unsubscribed, as by the one-click link", async () => {
    for (const from of ["series", "all"]) {
      const reader = await readerWithPart1();
      const res = await press("unsubscribe", reader.token, { from });
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(statusOf(html)).toBe("You are unsubscribed from everything: we send you nothing.");
      expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
      expect((await subscriptionsOf(reader.subscriberId)).map((s) => s.status)).toEqual(["stopped"]);
      expect(await eventsOf(reader.subscriberId)).toEqual(["confirmed", "unsubscribed"]);
      // Nothing left to change but the reader's data.
      expect(formsOf(html).map((form) => form.action)).toEqual(["/prefs/export", "/prefs/erase"]);
    }
  });
});

describe("the reader's own data", () => {
  it("downloads it: the same export the admin gets, as an attachment", async () => {
    const reader = await readerWithPart1();
    const res = await press("export", reader.token);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe('attachment; filename="my-data.json"');
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const mine = (await res.json()) as Record<string, unknown> & {
      subscriber: { email: string };
      deliveries: unknown[];
    };
    const admin = (await (await adminFetch(`/admin/api/subscribers/${reader.subscriberId}/export`)).json()) as Record<
      string,
      unknown
    >;
    expect(Object.keys(mine).sort()).toEqual(Object.keys(admin).sort());
    expect(mine.subscriber.email).toBe(reader.email);
    expect(mine.deliveries).toHaveLength(1);
  });

  it("erases it after a confirmation step: the first press only asks, the second erases everything", async () => {
    const reader = await readerWithPart1();
    const ask = await press("erase", reader.token);
    expect(ask.status).toBe(200);
    const html = await ask.text();
    expect(html).toContain("<h1>Erase your data?</h1>");
    expect(formsOf(html)).toEqual([
      {
        action: "/prefs/erase/confirm",
        fields: { token: reader.token, confirm: "erase" },
        buttons: ["Erase everything"],
      },
    ]);
    expect(await findSubscriber(reader.email)).not.toBeNull();

    const erased = await press("erase/confirm", reader.token, { confirm: "erase" });
    expect(erased.status).toBe(200);
    expect(await erased.text()).toContain("<h1>Your data is erased</h1>");
    expect(await rowsNaming(reader.email)).toEqual([]);
    expect((await openPage(reader.token)).status).toBe(404);
  });
});

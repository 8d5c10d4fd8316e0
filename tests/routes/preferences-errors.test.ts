import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { formsOf, openPage, press, readerWithPart1, snapshot, subscriptionOf } from "../helpers/preferences-helpers";
import { decodeEntities, postJson, postForm } from "../helpers/route-helpers";

const noticeOf = (html: string) =>
  decodeEntities(/<p class="notice error" role="alert">([\s\S]*?)<\/p>/.exec(html)?.[1] ?? "").trim();
const messageOf = async (res: Response) =>
  decodeEntities(/<h1>[^<]*<\/h1><p>([^<]*)<\/p>/.exec(await res.text())?.[1] ?? "");

describe("links that do not open a page", () => {
  it("a token that does not verify is a 400 page; one whose reader was erased a 404", async () => {
    for (const token of [
      "nope",
      "t2.AAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
      "s.t2.AAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA",
      "x".repeat(600),
    ]) {
      const res = await openPage(token);
      expect(res.status, token).toBe(400);
      expect(await messageOf(res)).toBe("This link does not work. Please copy the whole link from the email.");
    }
    const reader = await readerWithPart1();
    await press("erase/confirm", reader.token, { confirm: "erase" });
    const gone = await openPage(reader.token);
    expect(gone.status).toBe(404);
    expect(await messageOf(gone)).toBe(
      "We could not find this subscription: it was erased, or the series is no longer published.",
    );
  });

  it("a press without a token, or with a bad one, is a 400 and changes nothing", async () => {
    const reader = await readerWithPart1();
    const before = await snapshot();
    const bodies: Record<string, string>[] = [
      {},
      { token: "" },
      { token: `${reader.token}x` },
      { token: reader.token.slice(0, -2) },
    ];
    for (const fields of bodies) {
      const res = await postForm("/prefs/pause", { for: "7", ...fields });
      expect(res.status).toBe(400);
      await res.body?.cancel();
    }
    expect(await snapshot()).toBe(before);
  });
});

describe("presses the page never sends", () => {
  it("an unknown choice is a 400 and changes nothing", async () => {
    const reader = await readerWithPart1();
    const before = await snapshot();
    const cases: [string, Record<string, string>][] = [
      ["pause", { for: "3" }],
      ["pause", {}],
      ["pause", { for: "__proto__" }],
      ["when", { timezone: "", hour: "7.5" }],
      ["when", { timezone: "", hour: "-1" }],
      ["join", { series: "no-such-series" }],
      ["unsubscribe", { from: "nothing" }],
      ["erase/confirm", {}],
      ["erase/confirm", { confirm: "yes" }],
    ];
    for (const [action, fields] of cases) {
      const res = await press(action, reader.token, fields);
      expect(res.status, `${action} ${JSON.stringify(fields)}`).toBe(400);
      await res.body?.cancel();
    }
    expect(await snapshot()).toBe(before);
  });

  it("a zone the runtime does not know, or an hour outside the series' window, is refused on the page itself", async () => {
    const reader = await readerWithPart1({ series: "fixture-windowed" });
    const before = await snapshot();
    const zone = await press("when", reader.token, { timezone: "Mars/Olympus_Mons", hour: "" });
    expect(zone.status).toBe(400);
    expect(noticeOf(await zone.text())).toBe("Please choose a time zone from the list.");
    const hour = await press("when", reader.token, { timezone: "Europe/Paris", hour: "12" });
    expect(hour.status).toBe(400);
    expect(noticeOf(await hour.text())).toBe(
      "Please choose an hour from the list: this series sends only at those times.",
    );
    expect(await snapshot()).toBe(before);
  });

  it("any body but a form is a 415; a large one a 413", async () => {
    const reader = await readerWithPart1();
    const json = await postJson("/prefs/pause", { token: reader.token, for: "7" });
    expect(json.status).toBe(415);
    const big = await postForm("/prefs/pause", { token: reader.token, for: "7", pad: "x".repeat(8 * 1024) });
    expect(big.status).toBe(413);
    expect((await subscriptionOf(reader.subscriberId, "fixture-four")).status).toBe("active");
  });
});

describe("presses that no longer apply: the page again, with why, and a 409", () => {
  it("next part now from an out-of-date page, or with nothing waiting", async () => {
    const reader = await readerWithPart1();
    const stale = await press("next", reader.token, { part: "3" });
    expect(stale.status).toBe(409);
    expect(noticeOf(await stale.text())).toBe("This page was out of date: here it is again.");
    await env.DB.prepare("UPDATE subscriptions SET next_part = 5, due_at = NULL WHERE subscriber_id = ?1")
      .bind(reader.subscriberId)
      .run();
    const caughtUp = await press("next", reader.token, { part: "5" });
    expect(caughtUp.status).toBe(409);
    expect(noticeOf(await caughtUp.text())).toBe("There is no part waiting for you to ask for right now.");
    // Already asked for: a second press (another tab) changes nothing.
    await env.DB.prepare("UPDATE subscriptions SET next_part = 2, due_at = ?2 WHERE subscriber_id = ?1")
      .bind(reader.subscriberId, Date.now() + 86_400_000)
      .run();
    expect((await press("next", reader.token, { part: "2" })).status).toBe(200);
    const twice = await press("next", reader.token, { part: "2" });
    expect(twice.status).toBe(409);
  });

  it("pausing what is not running, resuming what is not paused", async () => {
    const reader = await readerWithPart1();
    const resume = await press("resume", reader.token);
    expect(resume.status).toBe(409);
    expect(noticeOf(await resume.text())).toBe("This series was not paused.");
    await press("unsubscribe", reader.token, { from: "all" });
    const pause = await press("pause", reader.token, { for: "7" });
    expect(pause.status).toBe(409);
    expect(noticeOf(await pause.text())).toBe("This series is not running for you, so there is nothing to pause.");
    // Unsubscribed from everything: joining from an old email's page needs the signup again.
    const join = await press("join", reader.token, { series: "fixture-members" });
    expect(join.status).toBe(409);
    expect(noticeOf(await join.text())).toBe("You cannot join “Fixture Members” from here right now.");
  });

  it("joining a series the reader already reads", async () => {
    const reader = await readerWithPart1();
    const res = await press("join", reader.token, { series: "fixture-four" });
    expect(res.status).toBe(409);
    expect(formsOf(await res.text()).length).toBeGreaterThan(0);
  });

  it("erasing while a part is being sent to the reader: try again in a minute, nothing erased", async () => {
    const reader = await readerWithPart1();
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO batches (id, status, attempts, lease_until, created_at) VALUES ('prefs-in-flight', 'claimed', 1, ?1, ?1)",
      ).bind(Date.now() + 60_000),
      env.DB.prepare("UPDATE subscriptions SET batch_id = 'prefs-in-flight' WHERE subscriber_id = ?1").bind(
        reader.subscriberId,
      ),
    ]);
    const res = await press("erase/confirm", reader.token, { confirm: "erase" });
    expect(res.status).toBe(409);
    expect(await messageOf(res)).toBe("A part is being sent to you right now: please try again in a minute.");
    expect((await openPage(reader.token)).status).toBe(200);
  });
});

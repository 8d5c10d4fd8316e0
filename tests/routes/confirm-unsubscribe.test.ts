import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { verifyConfirmToken } from "../../worker/tokens";
import { readerTokenOf } from "../helpers/reader-helpers";
import {
  BASE,
  confirmVia,
  DEFAULT_SERIES,
  get,
  postForm,
  signUp,
  signUpAndConfirm,
  testKeyring,
  tokenOf,
  uniqueEmail,
  ONE_CLICK,
} from "../helpers/route-helpers";
import { consentsOf, eventsOf, findSubscriber, outboxFor, subscriptionsOf } from "../helpers/rows";

describe("GET /confirm/:token", () => {
  it("GET and HEAD show one button and change nothing (mail scanners follow links on arrival)", async () => {
    const signed = await signUp(uniqueEmail("confirm-scanner"));
    const path = new URL(signed.confirmLink).pathname;
    for (let i = 0; i < 3; i++) {
      const res = await get(signed.confirmLink);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain("<h1>Confirm your subscription</h1>");
      expect(html).toContain(`<strong>${signed.email}</strong>`);
      // One form, posting to the very same URL, with one button; no script that could submit it.
      expect(html.match(/<form/g)).toHaveLength(1);
      expect(html).toContain(
        `<form method="post" action="${path}"><button type="submit">Confirm my subscription</button></form>`,
      );
      expect(html.match(/<button/g)).toHaveLength(1);
      expect(html).not.toMatch(/<script|onload|http-equiv="refresh"/i);
    }
    const head = await SELF.fetch(signed.confirmLink, { method: "HEAD" });
    expect(head.status).toBe(200);
    expect((await findSubscriber(signed.email))!.status).toBe("pending");
    expect((await consentsOf(signed.subscriber.id))[0]!.confirmedAt).toBeNull();
    expect(await eventsOf(signed.subscriber.id)).toEqual([]);
  });

  it("pressing the button (POST) activates the reader and schedules part 1", async () => {
    const signed = await signUp(uniqueEmail("confirm"));
    expect(signed.confirmLink.startsWith(`${BASE}/confirm/`)).toBe(true);
    expect(signed.subscriber.status).toBe("pending");
    const before = Date.now();

    const res = await confirmVia(signed.confirmLink);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("<h1>You are subscribed</h1>");
    expect(html).toContain("Thank you for confirming.");
    expect(html).toContain("“Origins of Lead Change” will arrive in your inbox in a minute or two.");
    expect(html).toContain(`href="/p/${DEFAULT_SERIES}"`);

    const reader = (await findSubscriber(signed.email))!;
    expect(reader.status).toBe("active");
    expect(reader.confirmedAt).toBeGreaterThanOrEqual(before);
    const [subscription] = await subscriptionsOf(reader.id);
    expect(subscription).toMatchObject({ series: DEFAULT_SERIES, status: "active", nextPart: 1, batchId: null });
    expect(subscription!.dueAt).not.toBeNull();
    expect(subscription!.dueAt).toBeGreaterThanOrEqual(before);
    expect((await consentsOf(reader.id))[0]!.confirmedAt).not.toBeNull();
    expect(await eventsOf(reader.id)).toEqual(["confirmed"]);
  });

  it("clicking again is idempotent: 'already confirmed', nothing rescheduled", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("confirm-twice"));
    const [first] = await subscriptionsOf(reader.subscriber.id);

    const again = await get(reader.confirmLink);
    expect(again.status).toBe(200);
    const html = await again.text();
    expect(html).toContain("You had already confirmed.");
    expect(html).not.toContain("Thank you for confirming.");
    const [second] = await subscriptionsOf(reader.subscriber.id);
    expect(second).toEqual(first);
    expect((await findSubscriber(reader.email))!.confirmedAt).toBe(reader.subscriber.confirmedAt);
    expect(await eventsOf(reader.subscriber.id)).toEqual(["confirmed"]);
  });

  it("a fixture series with later parts confirms into that series only", async () => {
    const signed = await signUp(uniqueEmail("confirm-fixture"), { series: "fixture-four" });
    expect((await confirmVia(signed.confirmLink)).status).toBe(200);
    const subs = await subscriptionsOf(signed.subscriber.id);
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ series: "fixture-four", status: "active", nextPart: 1 });
  });

  it("the confirmation link the Worker mails names its consent (hidden, under the newest key) and is good for 7 days", async () => {
    const signed = await signUp(uniqueEmail("ttl"));
    const token = tokenOf(signed.confirmLink);
    const [kid, , expires] = token.split(".");
    const [consent] = await consentsOf(signed.subscriber.id);
    expect(kid).toBe("t2");
    expect(await verifyConfirmToken(testKeyring(), token)).toEqual({ ok: true, consentId: consent!.id });
    expect(token.split(".")).not.toContain(String(consent!.id));
    const ttl = parseInt(expires!, 36) - Date.now();
    expect(ttl).toBeGreaterThan(6.9 * 24 * 3600_000);
    expect(ttl).toBeLessThanOrEqual(7 * 24 * 3600_000);
  });
});

describe("unsubscribe", () => {
  it("GET shows one button and changes nothing (mail scanners follow links)", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("unsub-get"));
    const token = await readerTokenOf(reader.subscriber.id);
    for (let i = 0; i < 2; i++) {
      const res = await get(`/u/${token}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain("<h1>Unsubscribe?</h1>");
      expect(html).toContain(`<strong>${reader.email}</strong>`);
      expect(html).toContain("“Origins of Lead Change”");
      expect(html.match(/<button/g)).toHaveLength(1);
      expect(html.match(/<form/g)).toHaveLength(1);
      expect(html).toContain(
        `<form method="post" action="/u/${token}"><button type="submit">Unsubscribe</button></form>`,
      );
    }
    expect((await findSubscriber(reader.email))!.status).toBe("active");
    expect((await subscriptionsOf(reader.subscriber.id))[0]!.status).toBe("active");
  });

  it("RFC 8058 one-click POST (no Origin, no cookies) unsubscribes and stops every subscription", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("one-click"));
    expect((await postForm("/subscribe", { email: reader.email, series: "fixture-four" })).status).toBe(200);
    const token = await readerTokenOf(reader.subscriber.id);

    const res = await SELF.fetch(`${BASE}/u/${token}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("Unsubscribed");

    const after = (await findSubscriber(reader.email))!;
    expect(after.status).toBe("unsubscribed");
    expect(after.unsubscribedAt).not.toBeNull();
    const subs = await subscriptionsOf(reader.subscriber.id);
    expect(subs).toHaveLength(2);
    for (const sub of subs) expect(sub).toMatchObject({ status: "stopped", dueAt: null });
    expect(await eventsOf(reader.subscriber.id)).toEqual(["confirmed", "unsubscribed"]);
    const { results } = await env.DB.prepare(
      "SELECT data FROM events WHERE subscriber_id = ?1 AND type = 'unsubscribed'",
    )
      .bind(reader.subscriber.id)
      .all<{ data: string }>();
    expect(JSON.parse(results[0]!.data)).toEqual({ source: "one-click" });
  });

  it("one-click works even when the sender is cross-site (the signed token is the authorization)", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("one-click-cross"));
    const token = await readerTokenOf(reader.subscriber.id);
    const res = await postForm(`/u/${token}`, ONE_CLICK, { origin: "https://mail.provider.example" });
    expect(res.status).toBe(200);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
  });

  it("a repeated one-click POST is idempotent", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("one-click-twice"));
    const token = await readerTokenOf(reader.subscriber.id);
    for (let i = 0; i < 3; i++) {
      const res = await postForm(`/u/${token}`, ONE_CLICK, { origin: null });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("Unsubscribed");
    }
    expect(await eventsOf(reader.subscriber.id)).toEqual(["confirmed", "unsubscribed"]);
  });

  it("the page's button unsubscribes and offers to resubscribe", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("button"));
    const token = await readerTokenOf(reader.subscriber.id);
    // Post/redirect/get: the POST does the work and sends the browser back to the link's page.
    const res = await postForm(`/u/${token}`, "");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/u/${token}`);
    expect(await res.text()).toBe("");
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    expect((await subscriptionsOf(reader.subscriber.id))[0]).toMatchObject({ status: "stopped", dueAt: null });
    expect(await eventsOf(reader.subscriber.id)).toEqual(["confirmed", "unsubscribed"]);
    const { results } = await env.DB.prepare(
      "SELECT data FROM events WHERE subscriber_id = ?1 AND type = 'unsubscribed'",
    )
      .bind(reader.subscriber.id)
      .all<{ data: string }>();
    expect(JSON.parse(results[0]!.data)).toEqual({ source: "link" });

    // Following the redirect (and every later visit of the link) shows the unsubscribed page with the way
    // back, not another button to unsubscribe.
    for (let i = 0; i < 2; i++) {
      const page = await get(res.headers.get("location")!);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await page.text();
      expect(html).toContain("<h1>You are unsubscribed</h1>");
      expect(html).toContain("You will get no more emails from “Origins of Lead Change”.");
      expect(html).toContain(`<form class="card" method="post" action="/resubscribe/${token}">`);
      expect(html).toMatch(/<button type="submit" class="secondary">\s*Resubscribe\s*<\/button>/);
      expect(html).not.toContain(`action="/u/${token}"`);
    }
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    expect(await eventsOf(reader.subscriber.id)).toEqual(["confirmed", "unsubscribed"]);
  });

  it("resubscribe mails a new confirmation; the reader stays unsubscribed until it is clicked", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("resub"));
    const token = await readerTokenOf(reader.subscriber.id);
    expect((await postForm(`/u/${token}`, ONE_CLICK, { origin: null })).status).toBe(200);
    expect(await outboxFor(reader.email)).toHaveLength(1);

    const res = await postForm(`/resubscribe/${token}`, "");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1>Check your inbox</h1>");
    expect(html).toContain("We sent you a link to confirm.");

    const mails = await outboxFor(reader.email);
    expect(mails).toHaveLength(2);
    const confirmation = mails[1]!;
    expect(confirmation.subject).toBe("Confirm your subscription to Origins of Lead Change");
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    const consents = await consentsOf(reader.subscriber.id);
    expect(consents.map((c) => c.form)).toEqual(["signup-form", "resubscribe"]);

    const link = confirmation.html.match(/href="(https:\/\/news\.example\.com\/confirm\/[^"]+)"/)![1]!;
    expect(link).not.toBe(reader.confirmLink);
    const confirm = await confirmVia(link);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain("Thank you for confirming.");
    expect((await findSubscriber(reader.email))!.status).toBe("active");
    const [sub] = await subscriptionsOf(reader.subscriber.id);
    expect(sub!.status).toBe("active");
    expect(sub!.dueAt).not.toBeNull();
  });

  it("unsubscribe tokens do not expire: an old email's link still works", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("old-link"));
    const token = await readerTokenOf(reader.subscriber.id);
    expect((await postForm(`/u/${token}`, ONE_CLICK, { origin: null })).status).toBe(200);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
  });

  it("a POST with a non-form body still unsubscribes via the page flow (no one-click answer)", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("unsub-json"));
    const token = await readerTokenOf(reader.subscriber.id);
    const res = await SELF.fetch(`${BASE}/u/${token}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ "List-Unsubscribe": "One-Click" }),
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/u/${token}`);
    expect(await res.text()).not.toBe("Unsubscribed");
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    expect(await (await get(`/u/${token}`)).text()).toContain("You are unsubscribed");
  });
});

import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getDb } from "../../worker/db";
import { confirmConsent } from "../../worker/subscribers/confirm";
import { unsubscribe } from "../../worker/subscribers/unsubscribe";
import type { Keyring } from "../../worker/lib/keyring";
import { signConfirmToken, signDeliveryTokens, verifyConfirmToken } from "../../worker/tokens";
import { deliveredReader } from "../helpers/reader-helpers";
import { legacyConfirmToken, legacyDeliveryTokens, legacyToken } from "../helpers/legacy-tokens";
import { BASE, confirmLinkOf, confirmVia, DEFAULT_SERIES, foreignKeyring, get, postForm, signTestToken, signUp, signUpAndConfirm, subscribeForm, testKeyring, tokenOf, uniqueEmail } from "../helpers/route-helpers";
import { consentsOf, findSubscriber, outboxFor, subscriptionsOf } from "../helpers/rows";

/** Flips one character in the middle of a base64url string (the last one may only carry padding bits). */
function flipMiddle(text: string): string {
  const i = Math.floor(text.length / 2);
  const c = text[i]!;
  return text.slice(0, i) + (c === "A" ? "B" : "A") + text.slice(i + 1);
}

async function eventsOf(subscriberId: number): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT type FROM events WHERE subscriber_id = ?1 ORDER BY id")
    .bind(subscriberId)
    .all<{ type: string }>();
  return results.map((row) => row.type);
}

const ONE_CLICK = { "List-Unsubscribe": "One-Click" };

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
      expect(html).toContain(`<form method="post" action="${path}"><button type="submit">Confirm my subscription</button></form>`);
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

  it("the button from another site is refused (403) and confirms nothing", async () => {
    const signed = await signUp(uniqueEmail("confirm-csrf"));
    const res = await postForm(new URL(signed.confirmLink).pathname, {}, { origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect((await findSubscriber(signed.email))!.status).toBe("pending");
  });

  it("a fixture series with later parts confirms into that series only", async () => {
    const signed = await signUp(uniqueEmail("confirm-fixture"), { series: "fixture-four" });
    expect((await confirmVia(signed.confirmLink)).status).toBe(200);
    const subs = await subscriptionsOf(signed.subscriber.id);
    expect(subs).toHaveLength(1);
    expect(subs[0]).toMatchObject({ series: "fixture-four", status: "active", nextPart: 1 });
  });

  it("a tampered token (payload or signature) is a 400 friendly page and changes nothing", async () => {
    const signed = await signUp(uniqueEmail("tamper"));
    const [payload, signature] = tokenOf(signed.confirmLink).split(".") as [string, string];
    const tampered = [
      `${flipMiddle(payload)}.${signature}`,
      `${payload}.${flipMiddle(signature)}`,
      `${payload}.${signature.slice(0, -4)}`,
      `${payload}.`,
      `.${signature}`,
      payload,
      `${payload}.${signature}.${signature}`,
      `${payload}.${signature}x`,
      `${payload}==.${signature}`,
    ];
    for (const token of tampered) {
      const res = await get(`/confirm/${token}`);
      expect(res.status, token).toBe(400);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).toContain("<h1>This link does not work</h1>");
      expect(html).toContain("This confirmation link is not valid.");
      expect(html).toContain('<a href="/">Go to the signup page</a>');
    }
    expect((await findSubscriber(signed.email))!.status).toBe("pending");
  });

  it("a token signed with another secret is refused", async () => {
    const signed = await signUp(uniqueEmail("other-secret"));
    const [consent] = await consentsOf(signed.subscriber.id);
    const forged = await signConfirmToken(foreignKeyring(), consent!.id, consent!.expiresAt!);
    const res = await get(`/confirm/${forged}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("This confirmation link is not valid.");
    expect((await findSubscriber(signed.email))!.status).toBe("pending");
  });

  it("an unsubscribe token used on /confirm is refused (purpose confusion)", async () => {
    const signed = await signUp(uniqueEmail("purpose-confirm"));
    const unsubscribe = await signTestToken("unsubscribe", signed.subscriber.id);
    const res = await get(`/confirm/${unsubscribe}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("This confirmation link is not valid.");
    expect((await findSubscriber(signed.email))!.status).toBe("pending");
  });

  it("an expired confirm token is a 400 that says it expired", async () => {
    const signed = await signUp(uniqueEmail("expired"));
    const expired = await signConfirmToken(testKeyring(), (await consentsOf(signed.subscriber.id))[0]!.id, Date.now() - 1000);
    const res = await get(`/confirm/${expired}`);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("This confirmation link has expired.");
    expect(html).toContain("Please sign up again");
    expect((await findSubscriber(signed.email))!.status).toBe("pending");

    // JSON clients get the same error in the API shape.
    expect((await postForm(`/confirm/${expired}`, {})).status).toBe(400);
    expect((await findSubscriber(signed.email))!.status).toBe("pending");
    const api = await get(`/confirm/${expired}`, { accept: "application/json" });
    expect(api.status).toBe(400);
    expect(((await api.json()) as { error: { code: string; message: string } }).error).toMatchObject({
      code: "INVALID_TOKEN",
      message: "This confirmation link has expired. Please sign up again to get a new one.",
    });
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

  it("a valid token for a consent that does not exist, or whose series left the catalog, is a 404", async () => {
    const missing = await signConfirmToken(testKeyring(), 987_654_321, Date.now() + 60_000);
    const b = await get(`/confirm/${missing}`);
    expect(b.status).toBe(404);
    expect(await b.text()).toContain("We could not find this subscription.");

    const reader = await signUp(uniqueEmail("gone-series"));
    const { meta } = await env.DB.prepare(
      "INSERT INTO consents (subscriber_id, series, form, consent_text_version, created_at, expires_at) VALUES (?1, 'no-such-series', 'api', 'x', ?2, ?3)",
    )
      .bind(reader.subscriber.id, Date.now(), Date.now() + 60_000)
      .run();
    const token = await signConfirmToken(testKeyring(), meta.last_row_id, Date.now() + 60_000);
    expect((await get(`/confirm/${token}`)).status).toBe(404);
    expect((await postForm(`/confirm/${token}`, {})).status).toBe(404);
    expect((await subscriptionsOf(reader.subscriber.id)).map((s) => s.series)).toEqual([DEFAULT_SERIES]);
  });

  it("a link in the old format (reader and series, no consent) confirms nothing", async () => {
    const signed = await signUp(uniqueEmail("old-format"));
    const token = await signTestToken("confirm", signed.subscriber.id, DEFAULT_SERIES, Date.now() + 60_000);
    expect((await get(`/confirm/${token}`)).status).toBe(400);
    expect((await postForm(`/confirm/${token}`, {})).status).toBe(400);
    expect((await findSubscriber(signed.email))!.status).toBe("pending");
  });

  it("an old link cannot confirm a later signup: only the newest consent of a reader and series is confirmable", async () => {
    // Pending, two links: the first was replaced by the second.
    const email = uniqueEmail("replaced");
    const first = await signUp(email);
    const second = await signUp(email);
    const replaced = await confirmVia(first.confirmLink);
    expect(replaced.status).toBe(400);
    expect(await replaced.text()).toContain("already used or replaced by a newer one");
    expect((await findSubscriber(email))!.status).toBe("pending");
    expect((await confirmVia(second.confirmLink)).status).toBe(200);
    expect((await findSubscriber(email))!.status).toBe("active");

    // Confirmed, unsubscribed, then someone signs the address up again: the old link confirms nothing.
    const token = await signTestToken("unsubscribe", first.subscriber.id);
    expect((await postForm(`/unsubscribe/${token}`, ONE_CLICK, { origin: null })).status).toBe(200);
    expect((await subscribeForm({ email })).status).toBe(200);
    for (const old of [first.confirmLink, second.confirmLink]) {
      expect((await confirmVia(old)).status).toBe(400);
      expect((await findSubscriber(email))!.status).toBe("unsubscribed");
    }
    // The new link does.
    const newest = (await outboxFor(email)).at(-1)!;
    expect((await confirmVia(confirmLinkOf(newest))).status).toBe(200);
    expect((await findSubscriber(email))!.status).toBe("active");
  });

  it("a confirm that read 'pending' before an unsubscribe never re-activates the reader after it", async () => {
    const signed = await signUp(uniqueEmail("race-confirm"));
    const [consent] = await consentsOf(signed.subscriber.id);
    // The unsubscribe lands between the confirm's reads and its writes (wrapped D1: no hook in the Worker).
    const racing = new Proxy(env.DB, {
      get(target, key) {
        if (key === "batch") {
          return async (statements: D1PreparedStatement[]) => {
            await unsubscribe(getDb(env.DB), env.DB, signed.subscriber.id, "admin");
            return target.batch(statements);
          };
        }
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    const result = await confirmConsent(getDb(racing), consent!.id);
    expect(result.kind).toBe("used");
    expect(await findSubscriber(signed.email)).toMatchObject({ status: "unsubscribed", confirmedAt: null });
    expect((await subscriptionsOf(signed.subscriber.id))[0]).toMatchObject({ status: "stopped", dueAt: null });
    expect((await consentsOf(signed.subscriber.id))[0]!.confirmedAt).toBeNull();
    expect(await eventsOf(signed.subscriber.id)).toEqual(["unsubscribed"]);
  });

  it("an unsubscribe that read 'unsubscribed' before a confirm re-activated the reader still wins after it", async () => {
    // Unsubscribed, then asked to come back: a confirm link (consent B) is waiting.
    const reader = await signUpAndConfirm(uniqueEmail("race-unsub-read"));
    const token = await signTestToken("unsubscribe", reader.subscriber.id);
    expect((await postForm(`/unsubscribe/${token}`, ONE_CLICK, { origin: null })).status).toBe(200);
    expect((await postForm(`/resubscribe/${token}`, "")).status).toBe(200);
    const consentB = (await consentsOf(reader.subscriber.id)).at(-1)!;
    // An unsubscribe click reads "unsubscribed"; the confirm of B commits right after that read (wrapped D1).
    let confirmed = false;
    const afterFirstRead = new Proxy(env.DB, {
      get(target, key) {
        if (key === "prepare") {
          return (query: string) => {
            const statement = target.prepare(query);
            return new Proxy(statement, {
              get(stmt, k) {
                if (k === "bind") return (...args: unknown[]) => wrap(stmt.bind(...args));
                return Reflect.get(stmt, k);
              },
            });
          };
        }
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      },
    });
    function wrap(stmt: D1PreparedStatement): D1PreparedStatement {
      return new Proxy(stmt, {
        get(target, k) {
          const value = Reflect.get(target, k);
          if (typeof value !== "function") return value;
          if (k !== "raw" && k !== "all" && k !== "first") return value.bind(target);
          return async (...args: unknown[]) => {
            const result = await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
            if (!confirmed) {
              confirmed = true;
              expect((await confirmConsent(getDb(env.DB), consentB.id)).kind).toBe("confirmed_now");
            }
            return result;
          };
        },
      });
    }
    expect(await unsubscribe(getDb(afterFirstRead), afterFirstRead, reader.subscriber.id, "link")).toBe("already_unsubscribed");
    expect(confirmed).toBe(true);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    expect((await subscriptionsOf(reader.subscriber.id))[0]).toMatchObject({ status: "stopped", dueAt: null });
    expect(await eventsOf(reader.subscriber.id)).toEqual(["confirmed", "unsubscribed", "confirmed", "unsubscribed"]);
  });

  it("an unsubscribe that lands after a confirm wins: the reader ends unsubscribed", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("race-unsub"));
    const token = await signTestToken("unsubscribe", reader.subscriber.id);
    expect((await postForm(`/unsubscribe/${token}`, ONE_CLICK, { origin: null })).status).toBe(200);
    // The confirm link pressed again afterwards (a second tab) changes nothing.
    expect((await confirmVia(reader.confirmLink)).status).toBe(400);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    expect(await eventsOf(reader.subscriber.id)).toEqual(["confirmed", "unsubscribed"]);
  });

  it("an over-long token is refused without work", async () => {
    const res = await get(`/confirm/${"A".repeat(600)}.${"B".repeat(43)}`);
    expect(res.status).toBe(400);
  });
});

describe("unsubscribe", () => {
  it("GET shows one button and changes nothing (mail scanners follow links)", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("unsub-get"));
    const token = await signTestToken("unsubscribe", reader.subscriber.id);
    for (let i = 0; i < 2; i++) {
      const res = await get(`/unsubscribe/${token}`);
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain("<h1>Unsubscribe?</h1>");
      expect(html).toContain(`<strong>${reader.email}</strong>`);
      expect(html).toContain("“Origins of Lead Change”");
      expect(html.match(/<button/g)).toHaveLength(1);
      expect(html.match(/<form/g)).toHaveLength(1);
      expect(html).toContain(`<form method="post" action="/unsubscribe/${token}"><button type="submit">Unsubscribe</button></form>`);
    }
    expect((await findSubscriber(reader.email))!.status).toBe("active");
    expect((await subscriptionsOf(reader.subscriber.id))[0]!.status).toBe("active");
  });

  it("RFC 8058 one-click POST (no Origin, no cookies) unsubscribes and stops every subscription", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("one-click"));
    expect((await postForm("/subscribe", { email: reader.email, series: "fixture-four" })).status).toBe(200);
    const token = await signTestToken("unsubscribe", reader.subscriber.id);

    const res = await SELF.fetch(`${BASE}/unsubscribe/${token}`, {
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
    const { results } = await env.DB.prepare("SELECT data FROM events WHERE subscriber_id = ?1 AND type = 'unsubscribed'")
      .bind(reader.subscriber.id)
      .all<{ data: string }>();
    expect(JSON.parse(results[0]!.data)).toEqual({ source: "one-click" });
  });

  it("one-click works even when the sender is cross-site (the signed token is the authorization)", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("one-click-cross"));
    const token = await signTestToken("unsubscribe", reader.subscriber.id);
    const res = await postForm(`/unsubscribe/${token}`, ONE_CLICK, { origin: "https://mail.provider.example" });
    expect(res.status).toBe(200);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
  });

  it("a repeated one-click POST is idempotent", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("one-click-twice"));
    const token = await signTestToken("unsubscribe", reader.subscriber.id);
    for (let i = 0; i < 3; i++) {
      const res = await postForm(`/unsubscribe/${token}`, ONE_CLICK, { origin: null });
      expect(res.status).toBe(200);
      expect(await res.text()).toBe("Unsubscribed");
    }
    expect(await eventsOf(reader.subscriber.id)).toEqual(["confirmed", "unsubscribed"]);
  });

  it("the page's button unsubscribes and offers to resubscribe", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("button"));
    const token = await signTestToken("unsubscribe", reader.subscriber.id);
    // Post/redirect/get: the POST does the work and sends the browser back to the link's page.
    const res = await postForm(`/unsubscribe/${token}`, "");
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/unsubscribe/${token}`);
    expect(await res.text()).toBe("");
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    expect((await subscriptionsOf(reader.subscriber.id))[0]).toMatchObject({ status: "stopped", dueAt: null });
    expect(await eventsOf(reader.subscriber.id)).toEqual(["confirmed", "unsubscribed"]);
    const { results } = await env.DB.prepare("SELECT data FROM events WHERE subscriber_id = ?1 AND type = 'unsubscribed'")
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
      expect(html).not.toContain(`action="/unsubscribe/${token}"`);
    }
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    expect(await eventsOf(reader.subscriber.id)).toEqual(["confirmed", "unsubscribed"]);
  });

  it("resubscribe mails a new confirmation; the reader stays unsubscribed until it is clicked", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("resub"));
    const token = await signTestToken("unsubscribe", reader.subscriber.id);
    expect((await postForm(`/unsubscribe/${token}`, ONE_CLICK, { origin: null })).status).toBe(200);
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

  it("an old confirmation link clicked after unsubscribing does not resubscribe", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("old-link"));
    const token = await signTestToken("unsubscribe", reader.subscriber.id);
    await SELF.fetch(`${BASE}/unsubscribe/${token}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    const res = await get(reader.confirmLink);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("already used");
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    for (const sub of await subscriptionsOf(reader.subscriber.id)) expect(sub).toMatchObject({ status: "stopped", dueAt: null });
  });

  it("tokens cannot cross purposes: a confirm token on /unsubscribe and /resubscribe is a 400", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("purpose-unsub"));
    const confirm = tokenOf(reader.confirmLink);
    const get400 = await get(`/unsubscribe/${confirm}`);
    expect(get400.status).toBe(400);
    expect(await get400.text()).toContain("This unsubscribe link is not valid.");
    expect((await postForm(`/unsubscribe/${confirm}`, ONE_CLICK, { origin: null })).status).toBe(400);
    expect((await postForm(`/unsubscribe/${confirm}`, "")).status).toBe(400);
    expect((await postForm(`/resubscribe/${confirm}`, "")).status).toBe(400);
    expect((await findSubscriber(reader.email))!.status).toBe("active");
    expect(await outboxFor(reader.email)).toHaveLength(1);
  });

  it("a tampered unsubscribe token is a 400 and unsubscribes nobody", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("unsub-tamper"));
    const [payload, signature] = (await signTestToken("unsubscribe", reader.subscriber.id)).split(".") as [string, string];
    for (const token of [`${flipMiddle(payload)}.${signature}`, `${payload}.${flipMiddle(signature)}`, payload]) {
      expect((await get(`/unsubscribe/${token}`)).status).toBe(400);
      expect((await postForm(`/unsubscribe/${token}`, ONE_CLICK, { origin: null })).status).toBe(400);
    }
    // Another reader's id in an unsigned payload: still refused.
    const other = btoa(`unsubscribe|${reader.subscriber.id + 1}|${DEFAULT_SERIES}|0`).replace(/=+$/, "").replace(/\+/g, "-").replace(/\//g, "_");
    expect((await postForm(`/unsubscribe/${other}.${signature}`, ONE_CLICK, { origin: null })).status).toBe(400);
    expect((await findSubscriber(reader.email))!.status).toBe("active");
  });

  it("unsubscribe tokens do not expire: an old email's link still works", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("old-link"));
    const token = await signTestToken("unsubscribe", reader.subscriber.id, DEFAULT_SERIES, 0);
    expect((await postForm(`/unsubscribe/${token}`, ONE_CLICK, { origin: null })).status).toBe(200);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
  });

  it("a token for a reader that does not exist is a 404 on every route", async () => {
    const token = await signTestToken("unsubscribe", 987_654_321);
    expect((await get(`/unsubscribe/${token}`)).status).toBe(404);
    expect((await postForm(`/unsubscribe/${token}`, ONE_CLICK, { origin: null })).status).toBe(404);
    expect((await postForm(`/resubscribe/${token}`, "")).status).toBe(404);
  });

  it("a body over 4 KB on the unsubscribe routes is a 413 and changes nothing", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("unsub-big"));
    const token = await signTestToken("unsubscribe", reader.subscriber.id);
    const big = `List-Unsubscribe=One-Click&pad=${"x".repeat(5 * 1024)}`;
    expect((await postForm(`/unsubscribe/${token}`, big, { origin: null })).status).toBe(413);
    expect((await postForm(`/resubscribe/${token}`, big)).status).toBe(413);
    expect((await findSubscriber(reader.email))!.status).toBe("active");
  });

  it("a POST with a non-form body still unsubscribes via the page flow (no one-click answer)", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("unsub-json"));
    const token = await signTestToken("unsubscribe", reader.subscriber.id);
    const res = await SELF.fetch(`${BASE}/unsubscribe/${token}`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ "List-Unsubscribe": "One-Click" }),
      redirect: "manual",
    });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/unsubscribe/${token}`);
    expect(await res.text()).not.toBe("Unsubscribed");
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    expect(await (await get(`/unsubscribe/${token}`)).text()).toContain("You are unsubscribed");
  });
});

describe("security headers", () => {
  it("every page carries hono's secure headers", async () => {
    const reader = await signUp(uniqueEmail("headers"));
    const token = await signTestToken("unsubscribe", reader.subscriber.id);
    const responses = [
      await get("/"),
      await get(reader.confirmLink),
      await get(`/unsubscribe/${token}`),
      await get("/confirm/bogus.token"),
      await get("/nowhere"),
      await get(`/p/${DEFAULT_SERIES}`),
    ];
    for (const res of responses) {
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      expect(res.headers.get("x-frame-options")).toBe("SAMEORIGIN");
      expect(res.headers.get("referrer-policy")).toBe("no-referrer");
      expect(res.headers.get("strict-transport-security")).toMatch(/max-age=\d+/);
      expect(res.headers.get("x-request-id")).toBeTruthy();
      await res.body?.cancel();
    }
  });
});

describe("links across key rotations", () => {
  // The test ring is "t2" (signs), "t1", then SIGNING_SECRET as id "0" (links mailed before key ids).
  const oneClick = (token: string, path = "/unsubscribe/") =>
    SELF.fetch(`${BASE}${path}${token}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
  const olderKey = (): Keyring => ({ keys: [testKeyring().keys[1]!] });

  it("a confirm link mailed before key ids (SIGNING_SECRET, plain consent id) still confirms", async () => {
    const signed = await signUp(uniqueEmail("legacy-confirm"));
    const [consent] = await consentsOf(signed.subscriber.id);
    const link = `${BASE}/confirm/${await legacyConfirmToken(env.SIGNING_SECRET!, consent!.id, consent!.expiresAt!)}`;
    expect((await get(link.slice(BASE.length))).status).toBe(200);
    expect((await confirmVia(link)).status).toBe(200);
    expect((await findSubscriber(signed.email))!.status).toBe("active");
  });

  it("unsubscribe links mailed before key ids (signed unsubscribe token; plain delivery id) still work in one click", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("legacy-unsub"));
    const token = await legacyToken(env.SIGNING_SECRET!, "unsubscribe", reader.subscriber.id, DEFAULT_SERIES);
    expect((await get(`/unsubscribe/${token}`)).status).toBe(200);
    expect((await oneClick(token)).status).toBe(200);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");

    const delivered = await deliveredReader();
    const old = (await legacyDeliveryTokens(env.SIGNING_SECRET!, delivered.deliveryId)).reader;
    expect((await get(`/u/${old}`)).status).toBe(200);
    expect((await oneClick(old, "/u/")).status).toBe(200);
    expect((await findSubscriber(delivered.email))!.status).toBe("unsubscribed");
  });

  it("links signed by an older key still in the ring work; a removed key's are a friendly 400 that changes nothing", async () => {
    const reader = await deliveredReader();
    const signed = await signUp(uniqueEmail("removed-key"));
    const [consent] = await consentsOf(signed.subscriber.id);

    const removed: Keyring = { keys: [{ kid: "t0", secret: "a-key-removed-from-the-ring-0123456789" }] };
    const confirmRemoved = await signConfirmToken(removed, consent!.id, consent!.expiresAt!);
    const unsubscribeRemoved = (await signDeliveryTokens(removed, reader.deliveryId)).reader;
    for (const res of [
      await get(`/confirm/${confirmRemoved}`),
      await confirmVia(`${BASE}/confirm/${confirmRemoved}`),
      await get(`/u/${unsubscribeRemoved}`),
      await oneClick(unsubscribeRemoved, "/u/"),
    ]) {
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("is not valid");
    }
    expect((await findSubscriber(signed.email))!.status).toBe("pending");
    expect((await findSubscriber(reader.email))!.status).toBe("active");

    const confirmOlder = await signConfirmToken(olderKey(), consent!.id, consent!.expiresAt!);
    expect(confirmOlder.startsWith("t1.")).toBe(true);
    expect((await confirmVia(`${BASE}/confirm/${confirmOlder}`)).status).toBe(200);
    expect((await findSubscriber(signed.email))!.status).toBe("active");
    const unsubscribeOlder = (await signDeliveryTokens(olderKey(), reader.deliveryId)).reader;
    expect(unsubscribeOlder.startsWith("t1.")).toBe(true);
    expect((await oneClick(unsubscribeOlder, "/u/")).status).toBe(200);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
  });

  it("hostile tokens on every link route are a 4xx, never a 5xx", async () => {
    const tag = "A".repeat(22);
    const tokens = [`t2.AAAAAAAA.${tag}`, `0.AAAAAAAA.${tag}`, `zz.AAAAAAAA.${tag}`, `7.${tag}`, "t2.AAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA", "t2.%00%00.x.y", "0.________.zzzzzzzzzzzz.AAAAAAAAAAAAAAAAAAAAAA", "t2..1.x", "a".repeat(600), "t2.AAAAAAAA.1.AAAAAAAAAAAAAAAAAAAAAA"];
    for (const token of tokens) {
      for (const res of [
        await get(`/confirm/${token}`),
        await get(`/unsubscribe/${token}`),
        await get(`/u/${token}`),
        await get(`/a/${token}/1`),
        await confirmVia(`${BASE}/confirm/${token}`),
        await oneClick(token),
        await oneClick(token, "/u/"),
      ]) {
        expect(res.status, token).toBeGreaterThanOrEqual(400);
        expect(res.status, token).toBeLessThan(500);
      }
    }
  });
});

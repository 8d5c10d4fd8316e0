import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { Keyring } from "../../worker/lib/keyring";
import { base64url, hmacSign } from "../../worker/lib/crypto";
import { signConfirmToken, signDeliveryTokens } from "../../worker/tokens";
import { deliveredReader, readerTokenOf } from "../helpers/reader-helpers";
import {
  BASE,
  confirmLinkOf,
  confirmVia,
  DEFAULT_SERIES,
  foreignKeyring,
  get,
  oldFormatToken,
  postForm,
  signUp,
  signUpAndConfirm,
  subscribeForm,
  testKeyring,
  tokenOf,
  uniqueEmail,
  ONE_CLICK,
} from "../helpers/route-helpers";
import { consentsOf, findSubscriber, outboxFor, subscriptionsOf } from "../helpers/rows";

/** Links under attack: CSRF, forged and cross-purpose tokens, stale links, key rotation, secure headers. */

describe("GET /confirm/:token: security", () => {
  it("the button from another site is refused (403) and confirms nothing", async () => {
    const signed = await signUp(uniqueEmail("confirm-csrf"));
    const res = await postForm(new URL(signed.confirmLink).pathname, {}, { origin: "https://evil.example" });
    expect(res.status).toBe(403);
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
    const unsubscribe = await readerTokenOf(signed.subscriber.id);
    const res = await get(`/confirm/${unsubscribe}`);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("This confirmation link is not valid.");
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
    const token = await readerTokenOf(first.subscriber.id);
    expect((await postForm(`/u/${token}`, ONE_CLICK, { origin: null })).status).toBe(200);
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
});

describe("unsubscribe: security", () => {
  it("an old confirmation link clicked after unsubscribing does not resubscribe", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("old-link"));
    const token = await readerTokenOf(reader.subscriber.id);
    await SELF.fetch(`${BASE}/u/${token}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    const res = await get(reader.confirmLink);
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("already used");
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    for (const sub of await subscriptionsOf(reader.subscriber.id))
      expect(sub).toMatchObject({ status: "stopped", dueAt: null });
  });

  it("tokens cannot cross purposes: a confirm token on /unsubscribe and /resubscribe is a 400", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("purpose-unsub"));
    const confirm = tokenOf(reader.confirmLink);
    const get400 = await get(`/u/${confirm}`);
    expect(get400.status).toBe(400);
    expect(await get400.text()).toContain("This unsubscribe link is not valid.");
    expect((await postForm(`/u/${confirm}`, ONE_CLICK, { origin: null })).status).toBe(400);
    expect((await postForm(`/u/${confirm}`, "")).status).toBe(400);
    expect((await postForm(`/resubscribe/${confirm}`, "")).status).toBe(400);
    expect((await findSubscriber(reader.email))!.status).toBe("active");
    expect(await outboxFor(reader.email)).toHaveLength(1);
  });
});

describe("security headers", () => {
  it("every page carries hono's secure headers", async () => {
    const reader = await signUp(uniqueEmail("headers"));
    const token = await readerTokenOf(reader.subscriber.id);
    const responses = [
      await get("/"),
      await get(reader.confirmLink),
      await get(`/u/${token}`),
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
  // The test ring is "t2" (signs), then "t1".
  const oneClick = (token: string, path = "/u/") =>
    SELF.fetch(`${BASE}${path}${token}`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
  const olderKey = (): Keyring => ({ keys: [testKeyring().keys[1]!] });

  // Never released, so no such link was ever mailed: the formats from before key ids are refused, even signed
  // with a key of the ring.
  it("a confirm link in the format from before key ids (plain consent id) is refused and confirms nothing", async () => {
    const signed = await signUp(uniqueEmail("legacy-confirm"));
    const [consent] = await consentsOf(signed.subscriber.id);
    const link = `${BASE}/confirm/${oldFormatToken(`consent|${consent!.id}|${consent!.expiresAt!}`)}`;
    expect((await get(link.slice(BASE.length))).status).toBe(400);
    expect((await confirmVia(link)).status).toBe(400);
    expect((await findSubscriber(signed.email))!.status).toBe("pending");
  });

  it("unsubscribe links in the formats from before key ids (purpose token; plain delivery id) are refused, on /u/ and the old /unsubscribe/", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("legacy-unsub"));
    const token = oldFormatToken(`unsubscribe|${reader.subscriber.id}|${DEFAULT_SERIES}|0`);
    expect((await get(`/u/${token}`)).status).toBe(400);
    expect((await oneClick(token)).status).toBe(400);
    expect((await get(`/unsubscribe/${token}`)).status).toBe(404);
    expect((await oneClick(token, "/unsubscribe/")).status).toBe(404);
    expect((await findSubscriber(reader.email))!.status).toBe("active");

    const delivered = await deliveredReader();
    const tag = hmacSign(testKeyring().keys[0].secret, `delivery|${delivered.deliveryId}`).subarray(0, 16);
    const old = `${delivered.deliveryId}.${base64url(tag)}`;
    expect((await get(`/u/${old}`)).status).toBe(400);
    expect((await oneClick(old)).status).toBe(400);
    expect((await findSubscriber(delivered.email))!.status).toBe("active");
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
      await oneClick(unsubscribeRemoved),
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
    expect((await oneClick(unsubscribeOlder)).status).toBe(200);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
  });

  it("hostile tokens on every link route are a 4xx, never a 5xx", async () => {
    const tag = "A".repeat(22);
    const tokens = [
      `t2.AAAAAAAA.${tag}`,
      `0.AAAAAAAA.${tag}`,
      `zz.AAAAAAAA.${tag}`,
      `7.${tag}`,
      "t2.AAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA",
      "t2.%00%00.x.y",
      "0.________.zzzzzzzzzzzz.AAAAAAAAAAAAAAAAAAAAAA",
      "t2..1.x",
      "a".repeat(600),
      "t2.AAAAAAAA.1.AAAAAAAAAAAAAAAAAAAAAA",
    ];
    for (const token of tokens) {
      for (const res of [
        await get(`/confirm/${token}`),
        await get(`/unsubscribe/${token}`),
        await get(`/u/${token}`),
        await get(`/a/${token}/origins-of-lead-change/the-opportunity/1`),
        await confirmVia(`${BASE}/confirm/${token}`),
        await oneClick(token, "/unsubscribe/"),
        await oneClick(token),
      ]) {
        expect(res.status, token).toBeGreaterThanOrEqual(400);
        expect(res.status, token).toBeLessThan(500);
      }
    }
  });
});

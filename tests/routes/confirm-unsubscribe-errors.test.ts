import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signConfirmToken, signDeliveryTokens, verifyReaderToken } from "../../worker/tokens";
import { readerTokenOf } from "../helpers/reader-helpers";
import {
  DEFAULT_SERIES,
  get,
  postForm,
  oldFormatToken,
  signUp,
  signUpAndConfirm,
  testKeyring,
  tokenOf,
  uniqueEmail,
  ONE_CLICK,
  flipMiddle,
} from "../helpers/route-helpers";
import { consentsOf, findSubscriber, subscriptionsOf } from "../helpers/rows";

/** Confirm and unsubscribe links that do not work: each a friendly 4xx that changes nothing. */

describe("GET /confirm/:token: errors", () => {
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

  it("an expired confirm token is a 400 that says it expired", async () => {
    const signed = await signUp(uniqueEmail("expired"));
    const expired = await signConfirmToken(
      testKeyring(),
      (await consentsOf(signed.subscriber.id))[0]!.id,
      Date.now() - 1000,
    );
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
    const token = oldFormatToken(`confirm|${signed.subscriber.id}|${DEFAULT_SERIES}|${Date.now() + 60_000}`);
    expect((await get(`/confirm/${token}`)).status).toBe(400);
    expect((await postForm(`/confirm/${token}`, {})).status).toBe(400);
    expect((await findSubscriber(signed.email))!.status).toBe("pending");
  });

  it("an over-long token is refused without work", async () => {
    const res = await get(`/confirm/${"A".repeat(600)}.${"B".repeat(43)}`);
    expect(res.status).toBe(400);
  });
});

describe("unsubscribe: errors", () => {
  it("a tampered unsubscribe token is a 400 and unsubscribes nobody", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("unsub-tamper"));
    const token = await readerTokenOf(reader.subscriber.id);
    const [kid, hidden, tag] = token.split(".") as [string, string, string];
    for (const bad of [
      `${kid}.${flipMiddle(hidden)}.${tag}`,
      `${kid}.${hidden}.${flipMiddle(tag)}`,
      `${kid}.${hidden}`,
    ]) {
      expect((await get(`/u/${bad}`)).status).toBe(400);
      expect((await postForm(`/u/${bad}`, ONE_CLICK, { origin: null })).status).toBe(400);
    }
    // Another email's id under this signature: still refused.
    const other = signDeliveryTokens(testKeyring(), verifyReaderToken(testKeyring(), token)! + 1).reader.split(".")[1];
    expect((await postForm(`/u/${kid}.${other}.${tag}`, ONE_CLICK, { origin: null })).status).toBe(400);
    expect((await findSubscriber(reader.email))!.status).toBe("active");
  });

  // A token names an email, never a reader directly: an email no one had is an invalid link, not a missing reader.
  it("a signed token for an email no reader had is a 400 on every route", async () => {
    const token = signDeliveryTokens(testKeyring(), 987_654_321).reader;
    expect((await get(`/u/${token}`)).status).toBe(400);
    expect((await postForm(`/u/${token}`, ONE_CLICK, { origin: null })).status).toBe(400);
    expect((await postForm(`/resubscribe/${token}`, "")).status).toBe(400);
  });

  it("the path of links mailed before per-email tokens, /unsubscribe/…, is gone: a 404 that changes nothing", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("unsub-old-path"));
    const token = await readerTokenOf(reader.subscriber.id);
    expect((await get(`/unsubscribe/${token}`)).status).toBe(404);
    expect((await postForm(`/unsubscribe/${token}`, ONE_CLICK, { origin: null })).status).toBe(404);
    expect((await findSubscriber(reader.email))!.status).toBe("active");
  });

  it("a body over 4 KB on the unsubscribe routes is a 413 and changes nothing", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("unsub-big"));
    const token = await readerTokenOf(reader.subscriber.id);
    const big = `List-Unsubscribe=One-Click&pad=${"x".repeat(5 * 1024)}`;
    expect((await postForm(`/u/${token}`, big, { origin: null })).status).toBe(413);
    expect((await postForm(`/resubscribe/${token}`, big)).status).toBe(413);
    expect((await findSubscriber(reader.email))!.status).toBe("active");
  });
});

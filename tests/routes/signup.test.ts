import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { keyedHash } from "../../worker/lib/crypto";
import { readerTokenOf } from "../helpers/reader-helpers";
import {
  type ApiError,
  BASE,
  confirmLinkOf,
  confirmVia,
  DEFAULT_SERIES,
  postForm,
  sentLinkTo,
  settled,
  signUpAndConfirm,
  subscribeForm,
  subscribeJson,
  testKeyring,
  uniqueEmail,
  uniqueIp,
  CHECK_INBOX,
  INVALID_EMAIL,
} from "../helpers/route-helpers";
import { consentsOf, findSubscriber, outboxFor, subscribersMatching, subscriptionsOf } from "../helpers/rows";

describe("POST /subscribe", () => {
  it("a form signup answers the check-your-inbox page and mails a confirmation link", async () => {
    const email = uniqueEmail("form");
    const res = await subscribeForm({ email, name: "Ada", series: DEFAULT_SERIES });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("<h1>Check your inbox</h1>");
    expect(html).toContain(sentLinkTo(email));
    expect(html).toContain("the first part of “Origins of Lead Change” is on its way.");
    // A way back to the form of the same series, to fix a typo in the address.
    expect(html).toContain('<a href="/">sign up again</a>');

    const mails = await outboxFor(email);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.subject).toBe("Confirm your subscription to Origins of Lead Change");
    // Signed by the newest key ("t2"), the consent id hidden: `<kid>.<hidden id>.<expiry>.<tag>`.
    expect(mail!.html).toMatch(
      new RegExp(`href="${BASE}/confirm/t2\\.[A-Za-z0-9_-]{8}\\.[0-9a-z]+\\.[A-Za-z0-9_-]{22}"`),
    );
    expect(mail!.text).toMatch(new RegExp(`${BASE}/confirm/t2\\.[A-Za-z0-9_-]{8}\\.[0-9a-z]+\\.[A-Za-z0-9_-]{22}`));
    // The address is not proven yet: the name typed with it stays out of the email, and off the reader.
    expect(mail!.html).toContain("Hi there,");
    expect(mail!.html).not.toContain("Ada");
    expect(mail!.text).not.toContain("Ada");

    const reader = await findSubscriber(email);
    expect(reader).toMatchObject({ email, name: null, status: "pending" });
    const subscriptions = await subscriptionsOf(reader!.id);
    expect(subscriptions).toMatchObject([{ series: DEFAULT_SERIES, status: "pending", nextPart: 1, dueAt: null }]);
  });

  it("a JSON signup answers JSON {ok, message}", async () => {
    const email = uniqueEmail("json");
    const res = await subscribeJson({ email, series: "fixture-four" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ ok: true, message: CHECK_INBOX });
    const mails = await outboxFor(email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("Confirm your subscription to Fixture Four");
    const reader = await findSubscriber(email);
    expect((await subscriptionsOf(reader!.id)).map((s) => s.series)).toEqual(["fixture-four"]);
  });

  it("without a series, signs up for the default series", async () => {
    const email = uniqueEmail("noseries");
    expect((await subscribeForm({ email })).status).toBe(200);
    const reader = await findSubscriber(email);
    expect((await subscriptionsOf(reader!.id)).map((s) => s.series)).toEqual([DEFAULT_SERIES]);
  });

  describe("accepts real-world addresses", () => {
    const accepted: [string, (id: string) => string, (id: string) => string][] = [
      ["plus tag", (id) => `ann+news-${id}@example.com`, (id) => `ann+news-${id}@example.com`],
      ["subdomain", (id) => `ann-${id}@mail.eu.example.co.uk`, (id) => `ann-${id}@mail.eu.example.co.uk`],
      ["apostrophe", (id) => `o'brien-${id}@example.com`, (id) => `o'brien-${id}@example.com`],
      ["dots in the local part", (id) => `ann.marie.${id}@example.com`, (id) => `ann.marie.${id}@example.com`],
      ["punycode domain", (id) => `reader-${id}@xn--bcher-kva.de`, (id) => `reader-${id}@xn--bcher-kva.de`],
      ["Unicode domain, stored as punycode", (id) => `reader-${id}@bücher.de`, (id) => `reader-${id}@xn--bcher-kva.de`],
      ["surrounding spaces are trimmed", (id) => `  trim-${id}@example.com  `, (id) => `trim-${id}@example.com`],
    ];
    for (const [label, typed, stored] of accepted) {
      it(label, async () => {
        const id = crypto.randomUUID().slice(0, 8);
        const res = await subscribeForm({ email: typed(id) });
        expect(res.status, await res.clone().text()).toBe(200);
        const reader = await findSubscriber(stored(id));
        expect(reader).toMatchObject({ email: stored(id), status: "pending" });
        const mails = await outboxFor(stored(id));
        expect(mails).toHaveLength(1);
        expect(mails[0]!.to).toBe(stored(id));
      });
    }

    it("the JSON API accepts them too", async () => {
      const id = crypto.randomUUID().slice(0, 8);
      const res = await subscribeJson({ email: `o'brien+x-${id}@bücher.de` });
      expect(res.status).toBe(200);
      expect(await findSubscriber(`o'brien+x-${id}@xn--bcher-kva.de`)).not.toBeNull();
    });
  });

  describe("names", () => {
    it("stores a blank name as no name, and greets the reader as 'there'", async () => {
      const email = uniqueEmail("blankname");
      expect((await subscribeForm({ email, name: "   " })).status).toBe(200);
      expect((await findSubscriber(email))!.name).toBeNull();
      expect((await outboxFor(email))[0]!.html).toContain("Hi there,");
    });
  });

  describe("request shape", () => {
    it("a form post that asks for JSON (Accept) is parsed as a form and answered in JSON", async () => {
      const email = uniqueEmail("form-accept-json");
      const ok = await subscribeForm({ email }, { headers: { accept: "application/json" } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ ok: true, message: CHECK_INBOX });
      expect(await findSubscriber(email)).not.toBeNull();
      const bad = await subscribeForm({ email: "nope" }, { headers: { accept: "application/json" } });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as ApiError).error.message).toBe(INVALID_EMAIL);
    });

    it("a multipart form is accepted like a urlencoded one", async () => {
      const email = uniqueEmail("multipart");
      const form = new FormData();
      form.set("email", email);
      form.set("name", "Multi");
      const res = await postMultipart(form);
      await settled();
      expect(res.status).toBe(200);
      expect((await findSubscriber(email))!.status).toBe("pending");
      expect(await pendingNamesOf(email)).toEqual(["Multi"]);
    });
  });

  it("addresses are unique case-insensitively: Ann@Example.com then ann@example.com is one reader", async () => {
    const id = crypto.randomUUID().slice(0, 8);
    const first = `Ann-${id}@Example.com`;
    const second = `ann-${id}@example.com`;
    expect((await subscribeForm({ email: first })).status).toBe(200);
    expect((await subscribeForm({ email: second })).status).toBe(200);
    const rows = await subscribersMatching(second);
    expect(rows).toHaveLength(1);
    // Kept as first typed (the domain lower-cased by IDNA); the key is lower-case.
    expect(rows[0]).toMatchObject({ email: `Ann-${id}@example.com`, emailKey: second });
    expect(await subscriptionsOf(rows[0]!.id)).toHaveLength(1);
    expect(await outboxFor(second)).toHaveLength(2);
  });

  it("a name waits on its consent until confirmed: the newest signup's name wins; an active reader keeps theirs", async () => {
    const pending = uniqueEmail("rename");
    await subscribeForm({ email: pending, name: "Anne" });
    await subscribeForm({ email: pending, name: "Ann" });
    expect((await findSubscriber(pending))!.name).toBeNull();
    expect(await pendingNamesOf(pending)).toEqual(["Anne", "Ann"]);
    const mails = await outboxFor(pending);
    expect((await confirmVia(confirmLinkOf(mails[1]!))).status).toBe(200);
    expect((await findSubscriber(pending))!.name).toBe("Ann");

    const active = await signUpAndConfirm(uniqueEmail("rename-active"), { name: "Bea" });
    await subscribeForm({ email: active.email, name: "Mallory" });
    expect((await findSubscriber(active.email))!.name).toBe("Bea");
  });

  it("a signup for an address that already reads another series never renames them, even once they confirm it", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("rename-other-series"), {
      name: "Bea",
      timezone: "Europe/Paris",
    });
    // A stranger signs the reader up for a second series, choosing what we would call them and when we mail them.
    expect(
      (await subscribeForm({ email: reader.email, name: "Mallory", timezone: "Asia/Tokyo", series: "fixture-four" }))
        .status,
    ).toBe(200);
    expect((await confirmVia(confirmLinkOf((await outboxFor(reader.email)).at(-1)!))).status).toBe(200);
    expect(await findSubscriber(reader.email)).toMatchObject({
      name: "Bea",
      timezone: "Europe/Paris",
      status: "active",
    });
    expect((await subscriptionsOf(reader.subscriber.id)).map((s) => [s.series, s.status])).toEqual([
      [DEFAULT_SERIES, "active"],
      ["fixture-four", "active"],
    ]);

    // A reader without a name is not given one either: only a first confirmation applies what the signup asked.
    const nameless = await signUpAndConfirm(uniqueEmail("rename-nameless"));
    expect((await subscribeForm({ email: nameless.email, name: "Mallory", series: "fixture-four" })).status).toBe(200);
    expect((await confirmVia(confirmLinkOf((await outboxFor(nameless.email)).at(-1)!))).status).toBe(200);
    expect((await findSubscriber(nameless.email))!.name).toBeNull();
  });

  it("an unconfirmed signup never overwrites what an unsubscribed reader had", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("keep-unsub"), { name: "Bea", timezone: "Europe/Paris" });
    const token = await readerTokenOf(reader.subscriber.id);
    expect((await postForm(`/u/${token}`, { "List-Unsubscribe": "One-Click" }, { origin: null })).status).toBe(200);
    expect((await subscribeForm({ email: reader.email, name: "Mallory", timezone: "Asia/Tokyo" })).status).toBe(200);
    expect(await findSubscriber(reader.email)).toMatchObject({
      name: "Bea",
      timezone: "Europe/Paris",
      status: "unsubscribed",
    });
  });

  it("a reader can add a second series; each gets its own subscription", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("two-series"));
    expect((await subscribeForm({ email: reader.email, series: "fixture-four" })).status).toBe(200);
    const subs = await subscriptionsOf(reader.subscriber.id);
    expect(subs.map((s) => [s.series, s.status])).toEqual([
      [DEFAULT_SERIES, "active"],
      ["fixture-four", "pending"],
    ]);
    expect(await outboxFor(reader.email)).toHaveLength(2);
  });

  it("stores a valid timezone from the form and ignores an invalid one", async () => {
    const paris = uniqueEmail("tz-ok");
    await signUpAndConfirm(paris, { timezone: "Europe/Paris" });
    expect((await findSubscriber(paris))!.timezone).toBe("Europe/Paris");
    const bogus = uniqueEmail("tz-bad");
    expect((await subscribeForm({ email: bogus, timezone: "Mars/Olympus_Mons" })).status).toBe(200);
    expect((await findSubscriber(bogus))!.timezone).toBeNull();
  });

  it("a returning unsubscriber stays unsubscribed until the new link is clicked; each signup adds a consent", async () => {
    const ip = uniqueIp();
    const reader = await signUpAndConfirm(uniqueEmail("returning"));
    const id = reader.subscriber.id;
    const token = await readerTokenOf(id);
    const out = await postForm(`/u/${token}`, { "List-Unsubscribe": "One-Click" }, { origin: null });
    expect(out.status).toBe(200);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");

    const again = await subscribeForm({ email: reader.email }, { ip, headers: { "user-agent": "TestBrowser/1.0" } });
    expect(again.status).toBe(200);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    expect((await subscriptionsOf(id))[0]).toMatchObject({ status: "stopped", dueAt: null });

    const consents = await consentsOf(id);
    expect(consents).toHaveLength(2);
    const latest = consents[1]!;
    expect(latest).toMatchObject({ series: DEFAULT_SERIES, form: "signup-form", confirmedAt: null });
    expect(latest.ipHash).toBeTruthy();
    expect(latest.ipHash).not.toBe(ip);
    expect(latest.ipHash).not.toContain(ip);
    expect(latest.userAgentHash).toBeTruthy();
    expect(latest.userAgentHash).not.toContain("TestBrowser");
    expect(consents[0]!.confirmedAt).not.toBeNull();

    const mails = await outboxFor(reader.email);
    expect(mails).toHaveLength(2);
    const confirm = await confirmVia(
      mails[1]!.html.match(/href="(https:\/\/news\.example\.com\/confirm\/[^"]+)"/)![1]!,
    );
    expect(confirm.status).toBe(200);
    expect((await findSubscriber(reader.email))!.status).toBe("active");
    expect((await subscriptionsOf(id))[0]!.status).toBe("active");
    expect((await consentsOf(id)).every((c) => c.confirmedAt !== null)).toBe(true);
  });

  it("the same IP hashes to the same value (provable), different IPs to different values", async () => {
    const ip = uniqueIp();
    const a = uniqueEmail("hash-a");
    const b = uniqueEmail("hash-b");
    const c = uniqueEmail("hash-c");
    await subscribeForm({ email: a }, { ip });
    await subscribeForm({ email: b }, { ip });
    await subscribeForm({ email: c });
    const [ca] = await consentsOf((await findSubscriber(a))!.id);
    const [cb] = await consentsOf((await findSubscriber(b))!.id);
    const [cc] = await consentsOf((await findSubscriber(c))!.id);
    expect(ca!.ipHash).toBe(cb!.ipHash);
    expect(cc!.ipHash).not.toBe(ca!.ipHash);
    expect(ca!.form).toBe("signup-form");
    // Keyed with HASH_SECRET, never a signing key: rotating the ring leaves stored hashes comparable.
    expect(ca!.ipHash).toBe(await keyedHash(env.HASH_SECRET!, "ip", ip));
    for (const key of testKeyring().keys) expect(ca!.ipHash).not.toBe(await keyedHash(key.secret, "ip", ip));
  });
});

/** The names waiting on an address's consents (applied when the reader confirms), oldest first. */
async function pendingNamesOf(address: string): Promise<(string | null)[]> {
  const { results } = await env.DB.prepare(
    "SELECT c.pending_name FROM consents c JOIN subscribers s ON s.id = c.subscriber_id WHERE s.email_key = lower(?1) ORDER BY c.id",
  )
    .bind(address)
    .all<{ pending_name: string | null }>();
  return results.map((row) => row.pending_name);
}

/** A browser's multipart/form-data post (the boundary comes from the FormData body). */
async function postMultipart(form: FormData): Promise<Response> {
  const encoded = new Request(`${BASE}/subscribe`, { method: "POST", body: form });
  return SELF.fetch(`${BASE}/subscribe`, {
    method: "POST",
    headers: { "content-type": encoded.headers.get("content-type")!, origin: BASE, "cf-connecting-ip": uniqueIp() },
    body: await encoded.arrayBuffer(),
  });
}

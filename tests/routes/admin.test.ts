import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { CycleSummary } from "../../worker/delivery/cycle";
import {
  adminFetch,
  adminSend,
  type ApiError,
  BASE,
  DEFAULT_SERIES,
  postForm,
  signTestToken,
  signUp,
  signUpAndConfirm,
  subscribeForm,
  tokenOf,
  uniqueEmail,
  unsubscribeLinkOf,
} from "../helpers/route-helpers";
import { findSubscriber, outboxCount, outboxFor, subscriptionsOf } from "../helpers/rows";
import type { OutboxMessage } from "../../worker/mail/list-outbox";

interface OutboxPage {
  messages: OutboxMessage[];
  nextCursor: string | null;
}
interface SubscriberItem {
  id: number;
  email: string;
  name: string | null;
  status: string;
  timezone: string | null;
  createdAt: string;
  confirmedAt: string | null;
  series: { series: string; status: string; nextPart: number; dueAt: string | null }[];
}
interface SubscribersPage {
  subscribers: SubscriberItem[];
  nextCursor: string | null;
}
/** The JSON the endpoint answers is the cycle's own summary type. */
type Summary = CycleSummary;

const json = async <T>(res: Response) => (await res.json()) as T;

async function expectApiError(res: Response, status: number, code: string, message?: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const body = await json<ApiError>(res);
  expect(body.error.code).toBe(code);
  expect(body.error.message).toBeTruthy();
  if (message) expect(body.error.message).toMatch(message);
  // Every error, the auth middleware's included, carries the request id for support.
  expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  return body;
}

const ENDPOINTS = ["/admin/api/outbox", "/admin/api/subscribers"];

describe("admin authentication", () => {
  for (const path of ENDPOINTS) {
    it(`${path}: 401 JSON without a token`, async () => {
      const res = await adminFetch(path, { token: null });
      await expectApiError(res, 401, "UNAUTHORIZED", /Authorization: Bearer/);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    });

    it(`${path}: 401 JSON with a wrong token, of the same or another length`, async () => {
      for (const token of ["test-admin-tokeX", "wrong", "test-admin-token-but-longer", "TEST-ADMIN-TOKEN", "test-admin-toke"]) {
        const res = await adminFetch(path, { token });
        await expectApiError(res, 401, "UNAUTHORIZED", /Wrong admin token/);
      }
    });

    it(`${path}: a malformed Authorization header is refused`, async () => {
      for (const header of ["Basic dGVzdDp0ZXN0", "Bearer", "Bearer test admin token", "test-admin-token"]) {
        const res = await adminFetch(path, { token: null, headers: { authorization: header } });
        await expectApiError(res, 400, "BAD_REQUEST", /^Malformed Authorization header/);
        expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_request"');
      }
    });

    it(`${path}: 200 with the admin token`, async () => {
      const res = await adminFetch(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    });
  }

  it("POST /admin/api/send needs the token too, and sends nothing without it", async () => {
    const before = await outboxCount();
    const res = await SELF.fetch(`${BASE}/admin/api/send`, { method: "POST", body: "{}" });
    await expectApiError(res, 401, "UNAUTHORIZED");
    const wrong = await adminFetch("/admin/api/send", { method: "POST", body: "{}", token: "nope" });
    await expectApiError(wrong, 401, "UNAUTHORIZED");
    expect(await outboxCount()).toBe(before);
  });

  it("the token is not accepted from a query string or a cookie", async () => {
    const query = await SELF.fetch(`${BASE}/admin/api/outbox?token=test-admin-token`);
    expect(query.status).toBe(401);
    const cookie = await SELF.fetch(`${BASE}/admin/api/outbox`, { headers: { cookie: "token=test-admin-token" } });
    expect(cookie.status).toBe(401);
  });
});

describe("GET /admin/api/outbox", () => {
  it("lists messages newest first, whole, with ISO dates", async () => {
    const first = uniqueEmail("outbox-first");
    const second = uniqueEmail("outbox-second");
    await subscribeForm({ email: first });
    await subscribeForm({ email: second });
    const page = await json<OutboxPage>(await adminFetch("/admin/api/outbox?limit=200"));
    const times = page.messages.map((m) => Date.parse(m.createdAt));
    expect(times.every((t) => Number.isFinite(t))).toBe(true);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    const i = page.messages.findIndex((m) => m.to === first);
    const j = page.messages.findIndex((m) => m.to === second);
    expect(i).toBeGreaterThanOrEqual(0);
    expect(j).toBeGreaterThanOrEqual(0);
    expect(j).toBeLessThan(i);
    const message = page.messages[j]!;
    expect(message.subject).toBe("Confirm your subscription to Origins of Lead Change");
    expect(message.html).toContain(`${BASE}/confirm/`);
    expect(message.text).toContain(`${BASE}/confirm/`);
    expect(typeof message.headers).toBe("object");
  });

  it("filters by recipient (case-insensitive), even when newer mail to others fills the page", async () => {
    const target = uniqueEmail("outbox-to");
    await subscribeForm({ email: target });
    for (let i = 0; i < 3; i++) await subscribeForm({ email: uniqueEmail("outbox-noise") });
    const res = await adminFetch(`/admin/api/outbox?to=${encodeURIComponent(target.toUpperCase())}&limit=2`);
    expect(res.status).toBe(200);
    const page = await json<OutboxPage>(res);
    expect(page.messages.map((m) => m.to)).toEqual([target]);
  });

  it("cursor pagination visits every message exactly once, even when several share a timestamp", async () => {
    // Two batches sent in the same millisecond (SEND_CONCURRENCY > 1) store equal created_at values.
    const tie = 1_000_000_000_000;
    const insert = env.DB.prepare(
      `INSERT INTO outbox (id, idempotency_key, "from", "to", subject, html, text, headers, created_at)
       VALUES (?1, ?2, 'f@example.com', ?3, 's', 'h', 't', '{}', ?4)`,
    );
    const tag = crypto.randomUUID().slice(0, 8);
    await env.DB.batch(
      Array.from({ length: 5 }, (_, i) => insert.bind(`tie-${tag}-${i}`, `tie-${tag}`, `tie-${tag}@example.com`, tie)),
    );
    await subscribeForm({ email: uniqueEmail("outbox-page") });

    const { results } = await env.DB.prepare("SELECT id FROM outbox").all<{ id: string }>();
    const all = new Set(results.map((row) => row.id));
    const seen: string[] = [];
    let cursor: string | null = null;
    for (let pages = 0; pages < 1000; pages++) {
      const res = await adminFetch(`/admin/api/outbox?limit=2${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      const page: OutboxPage = await json<OutboxPage>(res);
      expect(page.messages.length).toBeLessThanOrEqual(2);
      seen.push(...page.messages.map((m) => m.id));
      cursor = page.nextCursor;
      if (!cursor) break;
    }
    expect(cursor).toBeNull();
    expect(new Set(seen).size).toBe(seen.length); // no duplicates
    expect(new Set(seen)).toEqual(all); // no gaps
  });

  it("invalid limit or cursor is a 400 JSON error naming the parameter", async () => {
    for (const query of ["limit=0", "limit=201", "limit=abc", "limit=-1", "limit=1.5"]) {
      await expectApiError(await adminFetch(`/admin/api/outbox?${query}`), 400, "BAD_REQUEST", /^limit: /);
    }
    for (const query of ["cursor=abc", "cursor=-1", "cursor=1e5", "cursor=", "cursor=123", "cursor=1-2-3", `cursor=${"9".repeat(16)}-1`]) {
      await expectApiError(await adminFetch(`/admin/api/outbox?${query}`), 400, "BAD_REQUEST", /^cursor: /);
    }
    await expectApiError(await adminFetch(`/admin/api/outbox?to=${"a".repeat(321)}`), 400, "BAD_REQUEST", /^to: /);
  });
});

describe("GET /admin/api/subscribers", () => {
  it("lists readers with their status and their position in every series", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const active = await signUpAndConfirm(uniqueEmail(`list-${tag}-active`), { name: "Active Ann" });
    await subscribeForm({ email: active.email, series: "fixture-four" });
    const pending = uniqueEmail(`list-${tag}-pending`);
    await subscribeForm({ email: pending });

    const page = await json<SubscribersPage>(await adminFetch(`/admin/api/subscribers?q=${tag}`));
    expect(page.nextCursor).toBeNull();
    expect(page.subscribers.map((s) => s.email)).toEqual([pending, active.email]); // newest first
    const [p, a] = page.subscribers;
    expect(p).toMatchObject({ status: "pending", confirmedAt: null, series: [{ series: DEFAULT_SERIES, status: "pending", nextPart: 1, dueAt: null }] });
    expect(a).toMatchObject({ name: "Active Ann", status: "active" });
    expect(Date.parse(a!.confirmedAt!)).not.toBeNaN();
    expect(Date.parse(a!.createdAt)).not.toBeNaN();
    const positions = Object.fromEntries(a!.series.map((s) => [s.series, s]));
    expect(positions[DEFAULT_SERIES]).toMatchObject({ status: "active", nextPart: 1 });
    expect(Date.parse(positions[DEFAULT_SERIES]!.dueAt!)).not.toBeNaN();
    expect(positions["fixture-four"]).toMatchObject({ status: "pending", nextPart: 1, dueAt: null });
  });

  it("q= matches the address or the name, case-insensitively, with LIKE wildcards taken literally", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const byName = uniqueEmail("q-name");
    // A name is stored when the reader confirms (until then it waits on the consent).
    await signUpAndConfirm(byName, { name: `Zed ${tag.toUpperCase()}` });
    const byEmail = uniqueEmail(`q-${tag}`);
    await subscribeForm({ email: byEmail });

    const found = await json<SubscribersPage>(await adminFetch(`/admin/api/subscribers?q=${tag}`));
    expect(found.subscribers.map((s) => s.email).sort()).toEqual([byName, byEmail].sort());
    const upper = await json<SubscribersPage>(await adminFetch(`/admin/api/subscribers?q=${tag.toUpperCase()}`));
    expect(upper.subscribers).toHaveLength(2);

    for (const wildcard of ["%", "_", "\\", "%%", "'; DROP TABLE subscribers; --"]) {
      const res = await adminFetch(`/admin/api/subscribers?q=${encodeURIComponent(wildcard)}&limit=200`);
      expect(res.status).toBe(200);
      const page = await json<SubscribersPage>(res);
      for (const s of page.subscribers) expect(`${s.email} ${s.name ?? ""}`.toLowerCase()).toContain(wildcard.toLowerCase());
    }
  });

  it("status= filters by status", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const active = await signUpAndConfirm(uniqueEmail(`st-${tag}-a`));
    const pending = uniqueEmail(`st-${tag}-p`);
    await subscribeForm({ email: pending });
    const gone = await signUpAndConfirm(uniqueEmail(`st-${tag}-u`));
    const unsubscribe = `/unsubscribe/${await signTestToken("unsubscribe", gone.subscriber.id)}`;
    expect((await postForm(unsubscribe, { "List-Unsubscribe": "One-Click" }, { origin: null })).status).toBe(200);

    const list = async (status: string) =>
      (await json<SubscribersPage>(await adminFetch(`/admin/api/subscribers?q=${tag}&status=${status}`))).subscribers.map((s) => s.email);
    expect(await list("active")).toEqual([active.email]);
    expect(await list("pending")).toEqual([pending]);
    expect(await list("unsubscribed")).toEqual([gone.email]);
    expect(await list("bounced")).toEqual([]);
  });

  it("cursor pagination over 7 readers with limit=3: 3 + 3 + 1, no duplicates, no gaps", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const emails: string[] = [];
    for (let i = 0; i < 7; i++) {
      const email = uniqueEmail(`page-${tag}-${i}`);
      await subscribeForm({ email });
      emails.push(email);
    }
    const pages: string[][] = [];
    let cursor: string | null = null;
    do {
      const res = await adminFetch(`/admin/api/subscribers?q=${tag}&limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      expect(res.status).toBe(200);
      const page: SubscribersPage = await json<SubscribersPage>(res);
      pages.push(page.subscribers.map((s) => s.email));
      cursor = page.nextCursor;
      expect(pages.length).toBeLessThanOrEqual(3);
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual([...emails].reverse()); // newest first, every one exactly once
  });

  it("an exact multiple of the limit ends without an empty extra page", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    for (let i = 0; i < 4; i++) await subscribeForm({ email: uniqueEmail(`exact-${tag}-${i}`) });
    const first = await json<SubscribersPage>(await adminFetch(`/admin/api/subscribers?q=${tag}&limit=2`));
    expect(first.subscribers).toHaveLength(2);
    const second = await json<SubscribersPage>(await adminFetch(`/admin/api/subscribers?q=${tag}&limit=2&cursor=${first.nextCursor}`));
    expect(second.subscribers).toHaveLength(2);
    expect(second.nextCursor).toBeNull();
  });

  it("invalid status, limit or cursor is a 400 JSON error with a reason", async () => {
    for (const query of ["status=bogus", "status=", "status=ACTIVE"]) {
      await expectApiError(await adminFetch(`/admin/api/subscribers?${query}`), 400, "BAD_REQUEST", /^status: /);
    }
    for (const query of ["limit=0", "limit=201", "limit=ten", "limit=2.5"]) {
      await expectApiError(await adminFetch(`/admin/api/subscribers?${query}`), 400, "BAD_REQUEST", /^limit: /);
    }
    for (const query of ["cursor=abc", "cursor=-5", "cursor=1.5", "cursor=%27%20OR%201%3D1"]) {
      await expectApiError(await adminFetch(`/admin/api/subscribers?${query}`), 400, "BAD_REQUEST", /^cursor: /);
    }
    await expectApiError(await adminFetch(`/admin/api/subscribers?q=${"x".repeat(201)}`), 400, "BAD_REQUEST", /^q: /);
  });
});

describe("POST /admin/api/send", () => {
  it("{} runs a delivery cycle and answers a JSON summary", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("send-summary"));
    const res = await adminSend({});
    expect(res.status).toBe(200);
    const summary = await json<Summary>(res);
    expect(summary).toMatchObject({ dryRun: false, mailer: "outbox", failed: 0, retrying: 0, rateLimited: false });
    for (const field of ["due", "sent", "deferred", "failed", "retrying", "queued", "recovered", "providerRequests"] as const) {
      expect(typeof summary[field], field).toBe("number");
    }
    expect(summary.sent).toBeGreaterThanOrEqual(1);
    expect(summary.due).toBeGreaterThanOrEqual(summary.sent);
    expect(summary.perPart[`${DEFAULT_SERIES}/1`]).toBeGreaterThanOrEqual(1);
    expect(Object.values(summary.perPart).reduce((a, b) => a + b, 0)).toBe(summary.sent);
    expect(summary.d1.statements).toBeGreaterThan(0);
    expect((await outboxFor(reader.email)).map((m) => m.subject)).toContain("Origins of Lead Change, Part 1: The Opportunity");

    // Exactly once: another cycle sends this reader nothing more.
    const again = await json<Summary>(await adminSend({}));
    expect(again.sent).toBe(0);
    expect(await outboxFor(reader.email)).toHaveLength(2);
  });

  it("an empty body, or no content type, is the same as {}", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("send-empty"));
    const res = await adminFetch("/admin/api/send", { method: "POST" });
    expect(res.status).toBe(200);
    expect((await json<Summary>(res)).dryRun).toBe(false);
    expect(await outboxFor(reader.email)).toHaveLength(2);
  });

  it("{dryRun: true} reports who is due and sends nothing", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("send-dry"));
    const before = await outboxCount();
    const [subscriptionBefore] = await subscriptionsOf(reader.subscriber.id);

    const res = await adminSend({ dryRun: true });
    expect(res.status).toBe(200);
    const summary = await json<Summary>(res);
    expect(summary).toMatchObject({ dryRun: true, sent: 0, providerRequests: 0 });
    expect(summary.due).toBeGreaterThanOrEqual(1);
    expect(summary.perPart[`${DEFAULT_SERIES}/1`]).toBeGreaterThanOrEqual(1);
    expect(await outboxCount()).toBe(before);
    expect((await subscriptionsOf(reader.subscriber.id))[0]).toEqual(subscriptionBefore);

    const only = await json<Summary>(await adminSend({ dryRun: true, subscriber: reader.email }));
    expect(only).toMatchObject({ dryRun: true, due: 1, perPart: { [`${DEFAULT_SERIES}/1`]: 1 } });
    expect(await outboxCount()).toBe(before);
  });

  it("{subscriber} sends to that reader only, by address (any case) or by id", async () => {
    const a = await signUpAndConfirm(uniqueEmail("send-one-a"));
    const b = await signUpAndConfirm(uniqueEmail("send-one-b"));
    const res = await adminSend({ subscriber: a.email.toUpperCase() });
    expect(res.status).toBe(200);
    expect(await json<Summary>(res)).toMatchObject({ sent: 1, perPart: { [`${DEFAULT_SERIES}/1`]: 1 } });
    expect(await outboxFor(a.email)).toHaveLength(2);
    expect(await outboxFor(b.email)).toHaveLength(1);

    expect(await json<Summary>(await adminSend({ subscriber: b.subscriber.id }))).toMatchObject({ sent: 1 });
    expect(await outboxFor(b.email)).toHaveLength(2);
    expect(await json<Summary>(await adminSend({ subscriber: String(b.subscriber.id) }))).toMatchObject({ sent: 0 });
  });

  it("{series} sends only that series", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("send-series"), { series: "fixture-four" });
    const other = await signUpAndConfirm(uniqueEmail("send-series-other"));
    const summary = await json<Summary>(await adminSend({ series: "fixture-four" }));
    expect(Object.keys(summary.perPart).every((key) => key.startsWith("fixture-four/"))).toBe(true);
    expect((await outboxFor(reader.email)).map((m) => m.subject)).toContain("Fixture Four, part 1");
    expect(await outboxFor(other.email)).toHaveLength(1);
  });

  it("does not send to pending or unsubscribed readers", async () => {
    const pending = await signUp(uniqueEmail("send-pending"));
    const gone = await signUpAndConfirm(uniqueEmail("send-gone"));
    expect((await postForm(`/unsubscribe/${await signTestToken("unsubscribe", gone.subscriber.id)}`, { "List-Unsubscribe": "One-Click" }, { origin: null })).status).toBe(200);
    await adminSend({});
    expect(await outboxFor(pending.email)).toHaveLength(1);
    expect(await outboxFor(gone.email)).toHaveLength(1);
    // Named explicitly, an unsubscribed reader is found but still gets nothing.
    expect(await json<Summary>(await adminSend({ subscriber: gone.email }))).toMatchObject({ due: 0, sent: 0 });
    expect(await outboxFor(gone.email)).toHaveLength(1);
  });

  it("bad values are a 400 with a reason", async () => {
    const before = await outboxCount();
    const cases: [unknown, RegExp][] = [
      [{ dryRun: "yes" }, /^dryRun: /],
      [{ dryRun: 1 }, /^dryRun: /],
      [{ subscriber: "" }, /^subscriber: /],
      [{ subscriber: 0 }, /^subscriber: /],
      [{ subscriber: -3 }, /^subscriber: /],
      [{ subscriber: 1.5 }, /^subscriber: /],
      [{ subscriber: "not an address" }, /^subscriber: /],
      [{ subscriber: "x".repeat(321) }, /^subscriber: /],
      [{ series: "nope" }, /^series: .*nope/],
      [{ series: "" }, /^series: /],
      [{ dryRun: true, unknown: 1 }, /unknown|Unrecognized/i],
      [[], /^body: /],
      [null, /^body: /],
      ["not json", /must be JSON/],
      ['{"dryRun": true', /must be JSON/],
    ];
    for (const [body, reason] of cases) {
      const res = await adminSend(body);
      const error = await expectApiError(res, 400, "BAD_REQUEST", reason);
      expect(error.error.requestId).toBe(res.headers.get("x-request-id"));
    }
    expect(await outboxCount()).toBe(before);
  });

  it("an unknown subscriber is a 404", async () => {
    await expectApiError(await adminSend({ subscriber: uniqueEmail("nobody") }), 404, "NOT_FOUND", /no subscriber/);
    await expectApiError(await adminSend({ subscriber: 987_654_321 }), 404, "NOT_FOUND", /no subscriber with id 987654321/);
    await expectApiError(await adminSend({ subscriber: "987654321" }), 404, "NOT_FOUND");
  });

  it("a body over 4 KB is a 413", async () => {
    await expectApiError(await adminSend({ series: "x".repeat(5000) }), 413, "PAYLOAD_TOO_LARGE");
  });

  it("the part email: subject, List-Unsubscribe headers, a visible unsubscribe link and the postal address", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("part-email"), { name: "Paula" });
    const res = await adminSend({ subscriber: reader.email });
    expect(res.status).toBe(200);
    expect(await json<Summary>(res)).toMatchObject({ sent: 1 });

    const mails = await outboxFor(reader.email);
    expect(mails).toHaveLength(2);
    const part = mails[1]!;
    expect(part.subject).toContain("Part 1: The Opportunity");
    expect(part.subject).toBe("Origins of Lead Change, Part 1: The Opportunity");
    expect(part.to).toBe(reader.email);
    expect(part.from).toBe("Origins of Lead Change <series@nextpart.local>");

    const listUnsubscribe = part.headers["List-Unsubscribe"]!;
    const targets = listUnsubscribe.split(",").map((t) => t.trim());
    expect(targets).toHaveLength(2);
    // The delivery's reader token, under the newest key ("t2"), its id hidden: `<kid>.<hidden id>.<tag>`.
    expect(targets[0]).toMatch(new RegExp(`^<${BASE}/u/t2\\.[A-Za-z0-9_-]{8}\\.[A-Za-z0-9_-]{22}>$`));
    expect(targets[1]).toBe("<mailto:unsubscribe@example.com?subject=unsubscribe>");
    expect(part.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");

    const visible = unsubscribeLinkOf(part);
    expect(`<${visible}>`).toBe(targets[0]);
    expect(part.html).toMatch(/<a[^>]*href="https:\/\/news\.example\.com\/u\/[^"]+"[^>]*>Unsubscribe<\/a>/);
    expect(part.text).toContain(`Unsubscribe: ${visible}`);
    expect(part.html).toContain("nextpart, 1 Example Street, Springfield, USA");
    expect(part.text).toContain("nextpart, 1 Example Street, Springfield, USA");
    expect(part.html).toContain("Paula");
    expect(part.html).toContain(`${BASE}/p/${DEFAULT_SERIES}/the-opportunity`); // the web view by the part's id
    expect(part.html).toContain("Take some action and share it with us");

    // The position moved on: part 1 is read, and the one-part series has nothing more due.
    const [subscription] = await subscriptionsOf(reader.subscriber.id);
    expect(subscription).toMatchObject({ status: "active", nextPart: 2, dueAt: null, batchId: null });
    const listed = await json<SubscribersPage>(await adminFetch(`/admin/api/subscribers?q=${encodeURIComponent(reader.email)}`));
    expect(listed.subscribers[0]!.series[0]).toMatchObject({ series: DEFAULT_SERIES, nextPart: 2, dueAt: null });

    // The header's link is the one a mailbox provider POSTs to, in one click.
    const oneClick = await SELF.fetch(visible, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    expect(tokenOf(visible)).not.toBe(tokenOf(reader.confirmLink));
  });

  it("the outbox API shows the part email the cycle just sent", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("part-in-api"));
    await adminSend({ subscriber: reader.email });
    const page = await json<OutboxPage>(await adminFetch(`/admin/api/outbox?to=${encodeURIComponent(reader.email)}&limit=200`));
    expect(page.messages.map((m) => m.subject)).toEqual([
      "Origins of Lead Change, Part 1: The Opportunity",
      "Confirm your subscription to Origins of Lead Change",
    ]);
    expect(page.messages[0]!.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
  });
});

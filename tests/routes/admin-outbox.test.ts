import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { OutboxMessage } from "../../worker/mail/list-outbox";
import { adminFetch, adminSend, BASE, signUpAndConfirm, subscribeForm, uniqueEmail } from "../helpers/route-helpers";
import { expectApiError, expectDeclared, json, type Page } from "../helpers/admin-api-helpers";

describe("GET /admin/api/outbox", () => {
  it("lists messages newest first, whole, with ISO dates", async () => {
    const first = uniqueEmail("outbox-first");
    const second = uniqueEmail("outbox-second");
    await subscribeForm({ email: first });
    await subscribeForm({ email: second });
    const page = await expectDeclared<Page<OutboxMessage>>(
      await adminFetch("/admin/api/outbox?limit=200"),
      "get",
      "/outbox",
    );
    const times = page.data.map((m) => Date.parse(m.createdAt));
    expect(times.every((t) => Number.isFinite(t))).toBe(true);
    expect([...times].sort((a, b) => b - a)).toEqual(times);
    // Each once, the newer first.
    const ours = page.data.filter((m) => m.to === first || m.to === second);
    expect(ours.map((m) => m.to)).toEqual([second, first]);
    const message = ours[0]!;
    expect(message.subject).toBe("Confirm your subscription to Origins of Lead Change");
    expect(message.html).toContain(`${BASE}/confirm/`);
    expect(message.text).toContain(`${BASE}/confirm/`);
    // A confirmation email carries no extra headers (no List-Unsubscribe: there is nothing to leave yet).
    expect(message.headers).toEqual({});
  });

  it("filters by recipient (case-insensitive), even when newer mail to others fills the page", async () => {
    const target = uniqueEmail("outbox-to");
    await subscribeForm({ email: target });
    for (let i = 0; i < 3; i++) await subscribeForm({ email: uniqueEmail("outbox-noise") });
    const res = await adminFetch(`/admin/api/outbox?to=${encodeURIComponent(target.toUpperCase())}&limit=2`);
    expect(res.status).toBe(200);
    const page = await json<Page<OutboxMessage>>(res);
    expect(page.data.map((m) => m.to)).toEqual([target]);
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
      const page: Page<OutboxMessage> = await json<Page<OutboxMessage>>(res);
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((m) => m.id));
      cursor = page.next_cursor;
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
    for (const query of [
      "cursor=abc",
      "cursor=-1",
      "cursor=1e5",
      "cursor=",
      "cursor=123",
      "cursor=1-2-3",
      `cursor=${"9".repeat(16)}-1`,
    ]) {
      await expectApiError(await adminFetch(`/admin/api/outbox?${query}`), 400, "BAD_REQUEST", /^cursor: /);
    }
    await expectApiError(await adminFetch(`/admin/api/outbox?to=${"a".repeat(321)}`), 400, "BAD_REQUEST", /^to: /);
  });
});

describe("GET /admin/api/outbox after a send", () => {
  it("the outbox API shows the part email the cycle just sent", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("part-in-api"));
    await adminSend({ subscriber: reader.email });
    const page = await json<Page<OutboxMessage>>(
      await adminFetch(`/admin/api/outbox?to=${encodeURIComponent(reader.email)}&limit=200`),
    );
    expect(page.data.map((m) => m.subject)).toEqual([
      "Origins of Lead Change, Part 1: The Opportunity",
      "Confirm your subscription to Origins of Lead Change",
    ]);
    expect(page.data[0]!.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
  });
});

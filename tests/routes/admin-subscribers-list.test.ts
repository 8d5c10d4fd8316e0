import { describe, expect, it } from "vitest";
import { readerTokenOf } from "../helpers/reader-helpers";
import {
  adminFetch,
  DEFAULT_SERIES,
  postForm,
  signUpAndConfirm,
  subscribeForm,
  uniqueEmail,
} from "../helpers/route-helpers";
import { expectApiError, expectDeclared, json, type Page } from "../helpers/admin-api-helpers";
import type { SubscriberItem } from "../../worker/routes/admin-api/subscribers-schema";

describe("GET /admin/api/subscribers", () => {
  it("lists readers with their status and their position in every series", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const active = await signUpAndConfirm(uniqueEmail(`list-${tag}-active`), { name: "Active Ann" });
    await subscribeForm({ email: active.email, series: "fixture-four" });
    const pending = uniqueEmail(`list-${tag}-pending`);
    await subscribeForm({ email: pending });

    const page = await expectDeclared<Page<SubscriberItem>>(
      await adminFetch(`/admin/api/subscribers?q=${tag}`),
      "get",
      "/subscribers",
    );
    expect(page.next_cursor).toBeNull();
    expect(page.has_more).toBe(false);
    expect(page.data.map((s) => s.email)).toEqual([pending, active.email]); // newest first
    const [p, a] = page.data;
    expect(p).toMatchObject({
      status: "pending",
      confirmedAt: null,
      series: [{ series: DEFAULT_SERIES, status: "pending", nextPart: 1, dueAt: null }],
    });
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

    const found = await json<Page<SubscriberItem>>(await adminFetch(`/admin/api/subscribers?q=${tag}`));
    expect(found.data.map((s) => s.email).sort()).toEqual([byName, byEmail].sort());
    const upper = await json<Page<SubscriberItem>>(await adminFetch(`/admin/api/subscribers?q=${tag.toUpperCase()}`));
    expect(upper.data).toHaveLength(2);

    for (const wildcard of ["%", "_", "\\", "%%", "'; DROP TABLE subscribers; --"]) {
      const res = await adminFetch(`/admin/api/subscribers?q=${encodeURIComponent(wildcard)}&limit=200`);
      expect(res.status).toBe(200);
      const page = await json<Page<SubscriberItem>>(res);
      for (const s of page.data) expect(`${s.email} ${s.name ?? ""}`.toLowerCase()).toContain(wildcard.toLowerCase());
    }
  });

  it("status= filters by status", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    const active = await signUpAndConfirm(uniqueEmail(`st-${tag}-a`));
    const pending = uniqueEmail(`st-${tag}-p`);
    await subscribeForm({ email: pending });
    const gone = await signUpAndConfirm(uniqueEmail(`st-${tag}-u`));
    const unsubscribe = `/u/${await readerTokenOf(gone.subscriber.id)}`;
    expect((await postForm(unsubscribe, { "List-Unsubscribe": "One-Click" }, { origin: null })).status).toBe(200);

    const list = async (status: string) =>
      (await json<Page<SubscriberItem>>(await adminFetch(`/admin/api/subscribers?q=${tag}&status=${status}`))).data.map(
        (s) => s.email,
      );
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
      const page: Page<SubscriberItem> = await json<Page<SubscriberItem>>(res);
      pages.push(page.data.map((s) => s.email));
      cursor = page.next_cursor;
      expect(pages.length).toBeLessThanOrEqual(3);
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
    expect(pages.flat()).toEqual([...emails].reverse()); // newest first, every one exactly once
  });

  it("an exact multiple of the limit ends without an empty extra page", async () => {
    const tag = crypto.randomUUID().slice(0, 8);
    for (let i = 0; i < 4; i++) await subscribeForm({ email: uniqueEmail(`exact-${tag}-${i}`) });
    const first = await json<Page<SubscriberItem>>(await adminFetch(`/admin/api/subscribers?q=${tag}&limit=2`));
    expect(first.data).toHaveLength(2);
    const second = await json<Page<SubscriberItem>>(
      await adminFetch(`/admin/api/subscribers?q=${tag}&limit=2&cursor=${first.next_cursor}`),
    );
    expect(second.data).toHaveLength(2);
    expect(second.next_cursor).toBeNull();
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

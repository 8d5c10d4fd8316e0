import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { adminFetch, adminSend, signUp, signUpAndConfirm, uniqueEmail } from "../helpers/route-helpers";
import { outboxFor, subscriptionsOf } from "../helpers/rows";
import { expectApiError, expectDeclared } from "../helpers/admin-api-helpers";

const SERIES = "fixture-four";

interface Detail {
  subscriber: { id: number; email: string; name: string | null; status: string; timezone: string | null };
  subscriptions: { id: number; series: string; status: string; nextPart: number; dueAt: string | null }[];
  deliveries: { id: number; series: string; partNumber: number; status: string; toEmail: string }[];
  clicks: unknown[];
  responses: unknown[];
  consents: { series: string; form: string }[];
}

const patch = (id: number | string, body: unknown) =>
  adminFetch(`/admin/api/subscribers/${id}`, {
    method: "PATCH",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });

/** A reader of fixture-four who received part 1. */
async function readerWithPartOne(label: string) {
  const reader = await signUpAndConfirm(uniqueEmail(label), { series: SERIES, name: "Dana" });
  expect(await expectDeclared(await adminSend({ subscriber: reader.email }), "post", "/send")).toMatchObject({
    sent: 1,
  });
  return reader;
}

describe("GET /admin/api/subscribers/:id", () => {
  it("shows the reader, their subscription, deliveries and consent", async () => {
    const reader = await readerWithPartOne("detail");
    const detail = await expectDeclared<Detail>(
      await adminFetch(`/admin/api/subscribers/${reader.subscriber.id}`),
      "get",
      "/subscribers/{id}",
    );
    expect(detail.subscriber).toMatchObject({
      id: reader.subscriber.id,
      email: reader.email,
      name: "Dana",
      status: "active",
    });
    expect(detail.subscriptions).toHaveLength(1);
    expect(detail.subscriptions[0]).toMatchObject({ series: SERIES, status: "active", nextPart: 2 });
    expect(detail.deliveries).toHaveLength(1);
    expect(detail.deliveries[0]).toMatchObject({
      series: SERIES,
      partNumber: 1,
      status: "sent",
      toEmail: reader.email,
    });
    expect(detail.consents).toHaveLength(1);
    expect(detail.consents[0]).toMatchObject({ series: SERIES, form: "signup-form" });
    expect(detail.clicks).toEqual([]);
    expect(detail.responses).toEqual([]);
  });

  it("an unknown id is a 404, a malformed one a 400", async () => {
    await expectApiError(await adminFetch("/admin/api/subscribers/987654321"), 404, "NOT_FOUND");
    for (const id of ["abc", "0", "-1", "1.5", "1e3", "9".repeat(16)]) {
      await expectApiError(await adminFetch(`/admin/api/subscribers/${id}`), 400, "BAD_REQUEST", /^id: /);
    }
  });
});

describe("PATCH /admin/api/subscribers/:id", () => {
  it("pauses every subscription (nothing is sent), then resumes", async () => {
    const reader = await readerWithPartOne("pause");
    await patch(reader.subscriber.id, { series: SERIES, part: 2 }); // due now
    const paused = await expectDeclared<Detail>(
      await patch(reader.subscriber.id, { status: "paused" }),
      "patch",
      "/subscribers/{id}",
    );
    expect(paused.subscriber.status).toBe("paused");
    expect(paused.subscriptions.map((s) => s.status)).toEqual(["paused"]);
    expect(await expectDeclared(await adminSend({ subscriber: reader.email }), "post", "/send")).toMatchObject({
      sent: 0,
    });
    expect(await outboxFor(reader.email)).toHaveLength(2);

    const resumed = await expectDeclared<Detail>(
      await patch(reader.subscriber.id, { status: "active" }),
      "patch",
      "/subscribers/{id}",
    );
    expect(resumed.subscriber.status).toBe("active");
    expect(resumed.subscriptions.map((s) => s.status)).toEqual(["active"]);
    expect(await expectDeclared(await adminSend({ subscriber: reader.email }), "post", "/send")).toMatchObject({
      sent: 1,
    });
    expect((await outboxFor(reader.email)).map((m) => m.subject)).toContain("Fixture Four, part 2");
  });

  it("a resume wakes a reader who was caught up when a part came out during the pause", async () => {
    const reader = await readerWithPartOne("resume-wake");
    await patch(reader.subscriber.id, { status: "paused" });
    // Caught up at pause time (nothing scheduled), and part 2 is out: only a resume can make it due again.
    await env.DB.prepare("UPDATE subscriptions SET due_at = NULL WHERE subscriber_id = ?1")
      .bind(reader.subscriber.id)
      .run();
    const resumed = await expectDeclared<Detail>(
      await patch(reader.subscriber.id, { status: "active" }),
      "patch",
      "/subscribers/{id}",
    );
    expect(resumed.subscriptions.map((s) => [s.status, s.nextPart, s.dueAt !== null])).toEqual([["active", 2, true]]);
    expect(await expectDeclared(await adminSend({ subscriber: reader.email }), "post", "/send")).toMatchObject({
      sent: 1,
    });
    expect((await outboxFor(reader.email)).map((m) => m.subject)).toContain("Fixture Four, part 2");
  });

  it("pauses one series only, the reader staying active", async () => {
    const reader = await readerWithPartOne("pause-one");
    await expectDeclared(await adminSend({}), "post", "/send");
    const detail = await expectDeclared<Detail>(
      await patch(reader.subscriber.id, { status: "paused", series: SERIES }),
      "patch",
      "/subscribers/{id}",
    );
    expect(detail.subscriber.status).toBe("active");
    expect(detail.subscriptions.map((s) => [s.series, s.status])).toEqual([[SERIES, "paused"]]);
  });

  it("moves a subscription to a later part, due now: the next send carries that part", async () => {
    const reader = await readerWithPartOne("move");
    const moved = await expectDeclared<Detail>(
      await patch(reader.subscriber.id, { series: SERIES, part: 3 }),
      "patch",
      "/subscribers/{id}",
    );
    expect(moved.subscriptions[0]).toMatchObject({ nextPart: 3 });
    expect(Date.parse(moved.subscriptions[0]!.dueAt!)).toBeLessThanOrEqual(Date.now());
    expect(await expectDeclared(await adminSend({ subscriber: reader.email }), "post", "/send")).toMatchObject({
      sent: 1,
    });
    expect((await outboxFor(reader.email)).map((m) => m.subject)).toEqual([
      "Confirm your subscription to Fixture Four",
      "Fixture Four, part 1",
      "Fixture Four, part 3",
    ]);
    expect((await subscriptionsOf(reader.subscriber.id))[0]).toMatchObject({ nextPart: 4 });
  });

  it("refuses a part already received (409), past the series' end or without a series (400)", async () => {
    const reader = await readerWithPartOne("move-bad");
    const id = reader.subscriber.id;
    await expectApiError(await patch(id, { series: SERIES, part: 1 }), 409, "CONFLICT", /already received part 1/);
    await expectApiError(await patch(id, { series: SERIES, part: 5 }), 400, "BAD_REQUEST", /^part: .*4 part/);
    await expectApiError(await patch(id, { part: 2 }), 400, "BAD_REQUEST", /^part: needs series/);
    await expectApiError(await patch(id, { series: "no-such-series", part: 2 }), 404, "NOT_FOUND", /no-such-series/);
    await expectApiError(
      await patch(id, { series: "origins-of-lead-change", part: 1 }),
      404,
      "NOT_FOUND",
      /no subscription/,
    );
    expect((await subscriptionsOf(id))[0]).toMatchObject({ nextPart: 2 });
  });

  it("sets the name and an IANA time zone; null clears them", async () => {
    const reader = await readerWithPartOne("profile");
    const set = await expectDeclared<Detail>(
      await patch(reader.subscriber.id, { name: "  Dana Q  ", timezone: "Europe/Paris" }),
      "patch",
      "/subscribers/{id}",
    );
    expect(set.subscriber).toMatchObject({ name: "Dana Q", timezone: "Europe/Paris" });
    const cleared = await expectDeclared<Detail>(
      await patch(reader.subscriber.id, { name: null, timezone: null }),
      "patch",
      "/subscribers/{id}",
    );
    expect(cleared.subscriber).toMatchObject({ name: null, timezone: null });
  });

  it("bad bodies are a 400 naming the field; an unknown reader a 404; a pending one cannot be paused", async () => {
    const reader = await readerWithPartOne("patch-bad");
    const id = reader.subscriber.id;
    const cases: [unknown, RegExp][] = [
      [{}, /at least one field/],
      [{ timezone: "Mars/Olympus_Mons" }, /^timezone: /],
      [{ timezone: "x".repeat(65) }, /^timezone: /],
      [{ status: "stopped" }, /^status: /],
      [{ name: "x".repeat(101) }, /^name: /],
      [{ part: 2.5, series: SERIES }, /^part: /],
      [{ email: "new@example.com" }, /Unrecognized|email/],
      [[], /^body: /],
    ];
    for (const [body, reason] of cases) await expectApiError(await patch(id, body), 400, "BAD_REQUEST", reason);
    await expectApiError(await patch(987_654_321, { name: "x" }), 404, "NOT_FOUND");
    const pending = await signUp(uniqueEmail("patch-pending"));
    await expectApiError(await patch(pending.subscriber.id, { status: "paused" }), 409, "CONFLICT", /pending reader/);
    expect((await subscriptionsOf(id))[0]).toMatchObject({ status: "active", nextPart: 2 });
  });
});

describe("GET /admin/api/subscribers/:id/export", () => {
  it("hands over everything held, as a JSON attachment", async () => {
    const reader = await readerWithPartOne("export");
    const res = await adminFetch(`/admin/api/subscribers/${reader.subscriber.id}/export`);
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="subscriber-${reader.subscriber.id}.json"`,
    );
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    const data = await expectDeclared<
      Detail & {
        events: { type: string }[];
        outbox: { subject: string }[];
        webhookEvents: unknown[];
        exportedAt: string;
      }
    >(res, "get", "/subscribers/{id}/export");
    expect(data.subscriber.email).toBe(reader.email);
    expect(data.deliveries).toHaveLength(1);
    expect(data.consents).toHaveLength(1);
    expect(data.events.map((e) => e.type)).toContain("confirmed");
    expect(data.outbox.map((m) => m.subject)).toEqual([
      "Confirm your subscription to Fixture Four",
      "Fixture Four, part 1",
    ]);
    expect(data.webhookEvents).toEqual([]);
    expect(Date.parse(data.exportedAt)).not.toBeNaN();
    await expectApiError(await adminFetch("/admin/api/subscribers/987654321/export"), 404, "NOT_FOUND");
  });
});

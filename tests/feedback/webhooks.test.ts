import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { claimBatch } from "../../worker/delivery/claim-batch";
import type { BatchMember } from "../../worker/delivery/delivery-queries";
import { recordSentBatch } from "../../worker/delivery/record-batch";
import worker from "../../worker/index";
import { unsubscribe } from "../../worker/subscribers/unsubscribe";
import { DAY, deliveryContextAt, resetDatabase, runCycleAt, seedReaders } from "../helpers/delivery-helpers";
import { BASE, subscribeJson } from "../helpers/route-helpers";
import {
  adminStats,
  partStats,
  postWebhook,
  resendEvent,
  sendEvent,
  signWebhook,
  sentReaders,
  WEBHOOK_SERIES,
  WEBHOOK_T0,
} from "../helpers/webhook-helpers";
import { countRows, outboxFor, outboxOf, subscriberStatus } from "../helpers/rows";
import { recordingD1 } from "../helpers/recording-d1";
import { testDepsAt } from "../helpers/test-deps";

beforeEach(resetDatabase);

const T0 = WEBHOOK_T0;
const SERIES = WEBHOOK_SERIES;

const delivery = (id: number) =>
  env.DB.prepare("SELECT * FROM deliveries WHERE id = ?1").bind(id).first<Record<string, number | null>>();

describe("POST /webhooks/resend: verification", () => {
  it("accepts a correctly signed event and records it", async () => {
    const [reader] = await sentReaders("good", 1);
    const { res, id, body } = await sendEvent(resendEvent("email.delivered", reader!.messageId, reader!.email));
    expect(res.status).toBe(200);
    expect(body).toEqual({ received: true, queued: false });
    const kept = await env.DB.prepare("SELECT * FROM webhook_events WHERE id = ?1")
      .bind(id)
      .first<Record<string, unknown>>();
    // Ids, type and time: nothing of the payload, so no address.
    expect(Object.keys(kept!).sort()).toEqual(["delivery_id", "id", "provider_message_id", "received_at", "type"]);
    expect(kept).toMatchObject({
      type: "email.delivered",
      provider_message_id: reader!.messageId,
      delivery_id: reader!.id,
    });
    expect((await delivery(reader!.id))!.delivered_at).not.toBeNull();
    expect((await partStats(SERIES, 1))!.delivered).toBe(1);
  });

  const refused: [string, () => Promise<Response>, number][] = [
    ["unsigned", () => postWebhook(JSON.stringify(resendEvent("email.delivered", "x")), {}), 400],
    [
      "missing the signature header",
      async () => {
        const body = JSON.stringify(resendEvent("email.delivered", "x"));
        const { "svix-signature": _, ...headers } = signWebhook(body);
        return postWebhook(body, headers);
      },
      400,
    ],
    [
      "signed with another secret",
      async () => {
        const body = JSON.stringify(resendEvent("email.bounced", "x"));
        return postWebhook(body, signWebhook(body, { secret: "whsec_b3RoZXItc2VjcmV0LW90aGVyLXNlY3JldC0xMjM0" }));
      },
      401,
    ],
    [
      "stale (6 minutes old)",
      async () => {
        const body = JSON.stringify(resendEvent("email.bounced", "x"));
        return postWebhook(body, signWebhook(body, { timestamp: Math.floor(Date.now() / 1000) - 6 * 60 }));
      },
      401,
    ],
    [
      "from the future",
      async () => {
        const body = JSON.stringify(resendEvent("email.bounced", "x"));
        return postWebhook(body, signWebhook(body, { timestamp: Math.floor(Date.now() / 1000) + 6 * 60 }));
      },
      401,
    ],
    [
      "tampered after signing",
      async () => {
        const body = JSON.stringify(resendEvent("email.delivered", "x"));
        return postWebhook(body.replace("email.delivered", "email.complained"), signWebhook(body));
      },
      401,
    ],
    [
      "a garbage signature",
      async () =>
        postWebhook("{}", {
          "svix-id": "msg_1",
          "svix-timestamp": String(Math.floor(Date.now() / 1000)),
          "svix-signature": "v1,%%%",
        }),
      401,
    ],
    [
      "a non-numeric timestamp",
      async () => postWebhook("{}", { "svix-id": "msg_1", "svix-timestamp": "yesterday", "svix-signature": "v1,abc" }),
      401,
    ],
    ["signed but not JSON", async () => postWebhook("{not json", signWebhook("{not json")), 400],
    ["signed JSON that is no event", async () => postWebhook("[1,2]", signWebhook("[1,2]")), 400],
    ["signed but empty", async () => postWebhook("", signWebhook("")), 400],
    [
      "larger than 256 KB",
      async () => {
        const body = JSON.stringify({ ...resendEvent("email.delivered", "x"), padding: "x".repeat(300 * 1024) });
        return postWebhook(body, signWebhook(body));
      },
      413,
    ],
  ];
  for (const [name, send, status] of refused) {
    it(`refuses a request ${name} with ${status}, changing nothing`, async () => {
      const [reader] = await sentReaders("refused", 1);
      const before = await countRows("webhook_events");
      const res = await send();
      expect(res.status).toBe(status);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.message.length).toBeGreaterThan(0);
      expect(await countRows("webhook_events")).toBe(before);
      expect(await partStats(SERIES, 1)).toMatchObject({ sent: 1, delivered: 0, bounces: 0, complaints: 0 });
      expect(await subscriberStatus(reader!.subscriberId)).toBe("active");
    });
  }

  it("answers 503, not 500, while RESEND_WEBHOOK_SECRET is unset or not a whsec_ secret", async () => {
    const body = JSON.stringify(resendEvent("email.delivered", "x"));
    for (const secret of ["", "not-a-whsec-secret"]) {
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request(`${BASE}/webhooks/resend`, {
          method: "POST",
          headers: { "content-type": "application/json", ...signWebhook(body) },
          body,
        }),
        { ...env, RESEND_WEBHOOK_SECRET: secret },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(res.status).toBe(503);
      const json = (await res.json()) as { error: { code: string; message: string } };
      expect(json.error.code).toBe("NOT_CONFIGURED");
      expect(json.error.message).toContain("RESEND_WEBHOOK_SECRET");
    }
    expect(await countRows("webhook_events")).toBe(0);
  });

  it("without the feedback queue, or when it refuses the event, records it within the request in 2 D1 round trips", async () => {
    const readers = await sentReaders("inline", 2);
    const refusing = { send: async () => Promise.reject(new Error("queue over its limit")) } as unknown as Queue;
    for (const [reader, queue] of [
      [readers[0]!, undefined],
      [readers[1]!, refusing],
    ] as const) {
      const body = JSON.stringify(resendEvent("email.delivered", reader.messageId, reader.email));
      const counting = recordingD1(env.DB);
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request(`${BASE}/webhooks/resend`, {
          method: "POST",
          headers: { "content-type": "application/json", ...signWebhook(body) },
          body,
        }),
        { ...env, DB: counting.db, FEEDBACK_QUEUE: queue },
        ctx,
      );
      await waitOnExecutionContext(ctx);
      expect(await res.json()).toEqual({ received: true, queued: false });
      expect(counting.counts.calls).toBe(2);
      expect((await delivery(reader.id))!.delivered_at).not.toBeNull();
    }
    expect((await partStats(SERIES, 1))!.delivered).toBe(2);
  });

  it("handles a redelivery (same svix-id) once", async () => {
    const [reader] = await sentReaders("replay", 1);
    const body = JSON.stringify(resendEvent("email.bounced", reader!.messageId, reader!.email));
    const headers = signWebhook(body);
    const first = await postWebhook(body, headers);
    const again = await postWebhook(body, headers);
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, queued: false });
    expect(await countRows("webhook_events")).toBe(1);
    expect(await partStats(SERIES, 1)).toMatchObject({ bounces: 1 });
    const events = await env.DB.prepare("SELECT type FROM events WHERE subscriber_id = ?1")
      .bind(reader!.subscriberId)
      .all();
    expect(events.results).toEqual([{ type: "bounced" }]);
  });

  it("keeps and acknowledges an event type it does not know, and does nothing else", async () => {
    const [reader] = await sentReaders("unknown", 1);
    for (const type of ["contact.created", "constructor", "__proto__"]) {
      const { res, id } = await sendEvent({
        type,
        created_at: "now",
        data: { id: "c_1", email_id: reader!.messageId },
      });
      expect(res.status).toBe(200);
      expect(
        await env.DB.prepare("SELECT type, delivery_id AS deliveryId FROM webhook_events WHERE id = ?1")
          .bind(id)
          .first(),
      ).toEqual({ type, deliveryId: reader!.id });
    }
    expect(await partStats(SERIES, 1)).toMatchObject({ sent: 1, delivered: 0 });
    expect(await delivery(reader!.id)).toMatchObject({ delivered_at: null, bounced_at: null });
  });

  it("keeps an event for an email it never sent (no delivery) without failing", async () => {
    const { res, id } = await sendEvent(resendEvent("email.delivered", "not-ours"));
    expect(res.status).toBe(200);
    expect(
      await env.DB.prepare(
        "SELECT provider_message_id AS messageId, delivery_id AS deliveryId FROM webhook_events WHERE id = ?1",
      )
        .bind(id)
        .first(),
    ).toEqual({ messageId: "not-ours", deliveryId: null });
  });
});

describe("the funnel, counted once per delivery", () => {
  it("counts each delivery at most once per column, however often or in whatever order events come", async () => {
    const readers = await sentReaders("funnel", 10);
    const events: [string, number][] = [
      ...readers.slice(0, 8).map((_, i) => ["email.delivered", i] as [string, number]),
      ["email.delivered", 0], // Resend sent it twice under different ids
      ...[0, 1, 2, 3, 4].map((i) => ["email.opened", i] as [string, number]),
      ["email.opened", 0], // opened again
      ["email.opened", 1],
      ["email.clicked", 2], // provider click tracking: recorded only
      ["email.delivery_delayed", 8],
      ["email.delivery_delayed", 8], // delayed again
      ["email.bounced", 8],
      ["email.failed", 9],
      ["email.failed", 9],
    ];
    for (const [type, i] of events) {
      const { res } = await sendEvent(resendEvent(type, readers[i]!.messageId, readers[i]!.email));
      expect(res.status).toBe(200);
    }
    expect(await partStats(SERIES, 1)).toMatchObject({
      sent: 10,
      delivered: 8,
      opened: 5,
      delayed: 1,
      bounces: 1,
      failed: 1,
      complaints: 0,
      human_clicks: 0,
      scanner_clicks: 0,
    });
    expect(await countRows("webhook_events")).toBe(events.length);
    // The first delayed and failed events are marked on the delivery: the counters never depend on webhook_events.
    expect((await delivery(readers[8]!.id))!.delayed_at).not.toBeNull();
    expect((await delivery(readers[9]!.id))!.failed_at).not.toBeNull();
    await env.DB.prepare("DELETE FROM webhook_events").run();
    for (const [type, i] of [
      ["email.delivery_delayed", 8],
      ["email.failed", 9],
      ["email.delivered", 0],
    ] as const) {
      await sendEvent(resendEvent(type, readers[i]!.messageId, readers[i]!.email));
    }
    expect(await partStats(SERIES, 1)).toMatchObject({ delivered: 8, delayed: 1, failed: 1 });

    const stats = await adminStats(SERIES);
    const part1 = stats.series[0]!.parts[0]!;
    expect(part1).toMatchObject({
      part: 1,
      sent: 10,
      delivered: 8,
      opened: 5,
      delayed: 1,
      bounces: 1,
      failed: 1,
      waiting: 0,
    });
    // Everyone but the bounced reader waits for part 2.
    expect(stats.series[0]!.parts[1]).toMatchObject({ part: 2, sent: 0, waiting: 9 });
    expect(stats.series[0]!.subscribers).toMatchObject({ active: 9, stopped: 1 });
    expect(stats.openedUnreliable).toBe(true);
    expect(stats.notes.opened).toMatch(/unreliable/i);
  });

  it("counts a batch as sent once even when it is recorded twice", async () => {
    await sentReaders("twice", 3);
    const { results } = await env.DB.prepare(
      `SELECT id, subscription_id AS subscriptionId, subscriber_id AS subscriberId, series, part_id AS partId, part_number AS partNumber,
         to_email AS toEmail, to_name AS toName, timezone, batch_id AS batchId, provider_message_id AS messageId
       FROM deliveries WHERE to_email LIKE 'twice%' ORDER BY id`,
    ).all<{ batchId: string; messageId: string } & BatchMember>();
    await recordSentBatch(deliveryContextAt(T0 + 1000), {
      batchId: results[0]!.batchId,
      members: results,
      ids: results.map((r) => r.messageId),
    });
    expect((await partStats(SERIES, 1))!.sent).toBe(3);
  });
});

describe("suppression", () => {
  it("a bounce stops every series of that reader at once; the others get their next part", async () => {
    const readers = await sentReaders("bounce", 3);
    const bounced = readers[0]!;
    // The bounced reader also reads the sample series, due now.
    await env.DB.prepare(
      `INSERT INTO subscriptions (subscriber_id, series, status, next_part, due_at, created_at, updated_at)
       VALUES (?1, 'origins-of-lead-change', 'active', 1, ?2, 0, 0)`,
    )
      .bind(bounced.subscriberId, T0 + DAY)
      .run();
    const { res } = await sendEvent(resendEvent("email.bounced", bounced.messageId, bounced.email));
    expect(res.status).toBe(200);

    const reader = await env.DB.prepare("SELECT status, suppressed_reason AS reason FROM subscribers WHERE id = ?1")
      .bind(bounced.subscriberId)
      .first();
    expect(reader).toEqual({ status: "bounced", reason: "bounced" });
    const subs = await env.DB.prepare(
      "SELECT series, status, due_at AS dueAt FROM subscriptions WHERE subscriber_id = ?1 ORDER BY series",
    )
      .bind(bounced.subscriberId)
      .all();
    expect(subs.results).toEqual([
      { series: "fixture-four", status: "stopped", dueAt: null },
      { series: "origins-of-lead-change", status: "stopped", dueAt: null },
    ]);

    const next = await runCycleAt(T0 + 2 * DAY);
    expect(next.sent).toBe(2); // part 2 for the two others, nothing for the bounced reader in either series
    expect((await outboxOf(bounced.email)).map((m) => m.subject)).toEqual(["Fixture Four, part 1"]);
  });

  it("the claim skips a reader who is not active even if a subscription was left active", async () => {
    await seedReaders({ series: SERIES, count: 2, prefix: "stale", dueAt: T0 });
    await env.DB.prepare("UPDATE subscribers SET status = 'complained' WHERE email_key = 'stale1@example.com'").run();
    const summary = await runCycleAt(T0);
    expect(summary.sent).toBe(1);
    expect(await outboxOf("stale1@")).toHaveLength(0);
  });

  it("takes the reader out of a queued batch no consumer has attempted yet", async () => {
    const readers = await sentReaders("queued", 2);
    const claimed = await claimBatch(deliveryContextAt(T0 + DAY), { size: 100, leaseMs: 60_000, frozen: false });
    expect(claimed!.members).toHaveLength(2);
    await sendEvent(resendEvent("email.complained", readers[0]!.messageId, readers[0]!.email));
    const left = await env.DB.prepare("SELECT to_email AS email FROM deliveries WHERE batch_id = ?1")
      .bind(claimed!.batchId)
      .all();
    expect(left.results).toEqual([{ email: readers[1]!.email }]);
  });

  it("a complaint marks the reader complained, and a new signup of that address sends nothing", async () => {
    const [reader] = await sentReaders("complainer", 1);
    await sendEvent(resendEvent("email.complained", reader!.messageId, reader!.email));
    expect(await subscriberStatus(reader!.subscriberId)).toBe("complained");
    const before = (await outboxFor(reader!.email)).length;
    const res = await subscribeJson({ email: reader!.email.toUpperCase(), series: "origins-of-lead-change" });
    expect(res.status).toBe(200);
    expect((await outboxFor(reader!.email)).length).toBe(before);
  });

  it("suppresses the reader of a confirmation email (no delivery row) by the provider id kept on the consent", async () => {
    const address = "ConfirmBounce@example.com";
    expect((await subscribeJson({ email: address, series: SERIES })).status).toBe(200);
    const consent = (await env.DB.prepare(
      "SELECT c.provider_message_id AS messageId, s.id AS subscriberId FROM consents c JOIN subscribers s ON s.id = c.subscriber_id WHERE s.email_key = lower(?1)",
    )
      .bind(address)
      .first<{ messageId: string | null; subscriberId: number }>())!;
    expect(consent.messageId).toBe((await outboxFor(address))[0]!.id);
    // The event names another address: the id decides, never the payload's `to`.
    await sendEvent(resendEvent("email.suppressed", consent.messageId!, "someone-else@example.com"));
    const row = await env.DB.prepare("SELECT status, suppressed_reason AS reason FROM subscribers WHERE id = ?1")
      .bind(consent.subscriberId)
      .first();
    expect(row).toEqual({ status: "bounced", reason: "provider suppression list" });
  });

  it("suppresses nobody for mail we did not send (a test send, another app on the account), whatever address it names", async () => {
    const [reader] = await sentReaders("notours", 1);
    for (const type of ["email.bounced", "email.complained", "email.suppressed"]) {
      expect((await sendEvent(resendEvent(type, `test-send-${crypto.randomUUID()}`, reader!.email))).res.status).toBe(
        200,
      );
    }
    expect(await subscriberStatus(reader!.subscriberId)).toBe("active");
    expect(await partStats(SERIES, 1)).toMatchObject({ bounces: 0, complaints: 0 });
    expect((await runCycleAt(T0 + DAY)).sent).toBe(1);
  });
});

describe("unsubscribe attribution", () => {
  it("counts an unsubscribe against the last part received, within 7 days, once", async () => {
    const readers = await sentReaders("leave", 2);
    expect(
      await unsubscribe(testDepsAt(T0 + 3 * DAY), { subscriberId: readers[0]!.subscriberId, source: "link" }),
    ).toBe("unsubscribed");
    expect(
      await unsubscribe(testDepsAt(T0 + 3 * DAY), { subscriberId: readers[0]!.subscriberId, source: "link" }),
    ).toBe("already_unsubscribed");
    expect(
      await unsubscribe(testDepsAt(T0 + 8 * DAY), { subscriberId: readers[1]!.subscriberId, source: "link" }),
    ).toBe("unsubscribed");
    expect((await partStats(SERIES, 1))!.unsubscribes).toBe(1);
  });
});

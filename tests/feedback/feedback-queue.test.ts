import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { resetDatabase } from "../helpers/delivery-helpers";
import { faultyBatches, recordingD1 } from "../helpers/recording-d1";
import { asMessages, deliverFeedback, feedbackEvent, feedbackState } from "../helpers/feedback-helpers";
import { expectDeclared } from "../helpers/admin-api-helpers";
import { adminFetch } from "../helpers/route-helpers";
import { partStats, resendEvent, sendEvent, sentReaders, WEBHOOK_SERIES } from "../helpers/webhook-helpers";
import { feedbackSql } from "../../worker/feedback/feedback-queries";
import { countRows, subscriberStatus } from "../helpers/rows";

beforeEach(async () => {
  await resetDatabase();
  await env.DB.prepare("DELETE FROM feedback_dead_letters").run();
});
afterEach(() => vi.restoreAllMocks());

const SERIES = WEBHOOK_SERIES;
const statusOf = subscriberStatus;
/** The consumer's "feedback batch" log lines, parsed. */
function batchLines() {
  const log = vi.spyOn(console, "log");
  return () =>
    log.mock.calls
      .filter(([first]) => first === "feedback batch")
      .map(([, json]) => JSON.parse(String(json)) as Record<string, unknown>);
}

describe("the feedback consumer's D1 round trips", () => {
  it("records 100 delivered events in 2 round trips (0.02 per event) and logs the batch's counts", async () => {
    const readers = await sentReaders("trips", 100);
    const lines = batchLines();
    const counting = recordingD1(env.DB);
    const result = await deliverFeedback(
      asMessages(readers.map((r) => feedbackEvent("email.delivered", r.messageId))),
      { db: counting.db },
    );
    expect(result.explicitAcks).toHaveLength(100);
    expect(counting.counts.calls).toBe(2);
    expect(await partStats(SERIES, 1)).toMatchObject({ sent: 100, delivered: 100 });
    expect(lines()).toEqual([
      {
        events: 100,
        duplicates: 0,
        matched: 100,
        marked: 100,
        suppressed: 0,
        retried: 0,
        unreadable: 0,
        paused: [],
        d1RoundTrips: 2,
      },
    ]);
  });

  it("takes 5 round trips for 100 mixed events with bounces and a complaint (the complaint guard runs once)", async () => {
    const readers = await sentReaders("mixed", 100);
    const types = [
      "email.delivered",
      "email.opened",
      "email.delivery_delayed",
      "email.failed",
      "email.clicked",
      "email.sent",
    ];
    const events = readers.map((r, i) =>
      feedbackEvent(i < 4 ? "email.bounced" : i === 4 ? "email.complained" : types[i % types.length]!, r.messageId),
    );
    const counting = recordingD1(env.DB);
    expect((await deliverFeedback(asMessages(events), { db: counting.db })).explicitAcks).toHaveLength(100);
    // Reads, writes, then the guard: its newest complaints, the window's start, its recorded check.
    expect(counting.counts.calls).toBe(5);
    expect(await partStats(SERIES, 1)).toMatchObject({
      bounces: 4,
      complaints: 1,
      delivered: 16,
      opened: 16,
      delayed: 16,
      failed: 16,
    });
    expect(await Promise.all(readers.slice(0, 6).map((r) => statusOf(r.subscriberId)))).toEqual([
      "bounced",
      "bounced",
      "bounced",
      "bounced",
      "complained",
      "active",
    ]);
    expect(await countRows("webhook_events")).toBe(100);
  });
});

describe("redelivered events change nothing the second time", () => {
  it("the same svix id twice in one batch, then the whole batch again", async () => {
    const readers = await sentReaders("again", 10);
    const events = [
      feedbackEvent("email.bounced", readers[0]!.messageId),
      ...readers.slice(1).map((r) => feedbackEvent("email.delivered", r.messageId)),
    ];
    const lines = batchLines();
    await deliverFeedback(asMessages([...events, ...events.slice(0, 3)]));
    expect(await partStats(SERIES, 1)).toMatchObject({ delivered: 9, bounces: 1 });
    expect(lines()[0]).toMatchObject({ events: 13, duplicates: 3, marked: 10, suppressed: 1 });
    const before = await feedbackState();

    const counting = recordingD1(env.DB);
    const again = await deliverFeedback(asMessages(events), { db: counting.db });
    expect(again.explicitAcks).toHaveLength(10);
    expect(counting.counts.calls).toBe(1); // all seen: nothing to write
    expect(await feedbackState()).toEqual(before);
    expect(lines()[1]).toMatchObject({ events: 10, duplicates: 10, marked: 0, d1RoundTrips: 1 });
  });

  it("every message delivered to two consumers at once: counted once", async () => {
    const readers = await sentReaders("twin", 20);
    const events = readers.map((r, i) =>
      feedbackEvent(i % 5 === 0 ? "email.complained" : "email.delivered", r.messageId),
    );
    const results = await Promise.all([deliverFeedback(asMessages(events)), deliverFeedback(asMessages(events))]);
    expect(results.map((r) => r.explicitAcks.length)).toEqual([20, 20]);
    expect(await partStats(SERIES, 1)).toMatchObject({ delivered: 16, complaints: 4 });
    expect(await countRows("webhook_events")).toBe(20);
    // One suppression event per reader, whichever consumer wrote it.
    expect(await countRows("events", "type = 'complained'")).toBe(4);
  });

  it("a crash between the D1 batch and the ack: the redelivery finds everything recorded", async () => {
    const readers = await sentReaders("crash", 21);
    const events = [
      ...readers.slice(0, 20).map((r) => feedbackEvent("email.opened", r.messageId)),
      feedbackEvent("email.bounced", readers[20]!.messageId),
    ];
    let crashes = 0;
    const crashing = faultyBatches(env.DB, (statements) =>
      statements[0]?.query === feedbackSql.keepEvents && crashes++ === 0 ? "crash" : null,
    );
    const messages = asMessages(events);
    const first = await deliverFeedback(messages, { db: crashing });
    expect(crashes).toBe(1);
    // Halved after the crash, the events were all found recorded: acked, nothing counted twice.
    expect(first.explicitAcks).toHaveLength(21);
    expect(await partStats(SERIES, 1)).toMatchObject({ opened: 20, bounces: 1 });
    const before = await feedbackState();
    // The platform redelivers them anyway (the ack was lost with the crash).
    await deliverFeedback(messages.map((m) => ({ ...m, attempts: 2 })));
    expect(await feedbackState()).toEqual(before);
  });

  it("events of one email in any order set each first-time mark once", async () => {
    const [reader] = await sentReaders("order", 1);
    const id = reader!.messageId;
    const t = Date.now();
    await deliverFeedback(
      asMessages([
        feedbackEvent("email.opened", id, undefined, t + 2),
        feedbackEvent("email.delivered", id, undefined, t + 1),
      ]),
    );
    await deliverFeedback(
      asMessages([
        feedbackEvent("email.delivery_delayed", id, undefined, t),
        feedbackEvent("email.delivered", id, undefined, t + 9),
      ]),
    );
    expect(await partStats(SERIES, 1)).toMatchObject({ delivered: 1, opened: 1, delayed: 1 });
    // Each mark keeps the time of the first event recorded for it (the provider's created_at).
    expect(
      await env.DB.prepare("SELECT delivered_at AS d, opened_at AS o, delayed_at AS w FROM deliveries WHERE id = ?1")
        .bind(reader!.id)
        .first(),
    ).toEqual({ d: t + 1, o: t + 2, w: t });
  });
});

describe("poison and dead letters", () => {
  it("a poison event among good ones: the good ones are recorded and acked, only the poison is retried", async () => {
    const readers = await sentReaders("poison", 30);
    const poison = feedbackEvent("email.delivered", "poison-email", "msg_poison");
    const good = readers.map((r) => feedbackEvent("email.delivered", r.messageId));
    const refusing = faultyBatches(env.DB, (statements) =>
      statements.some((s) => s.query === feedbackSql.keepEvents && String(s.args[0]).includes("msg_poison"))
        ? "refuse"
        : null,
    );
    const messages = asMessages([...good.slice(0, 13), poison, ...good.slice(13)]);
    const counting = recordingD1(refusing);
    const result = await deliverFeedback(messages, { db: counting.db });
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([messages[13]!.id]);
    expect(result.explicitAcks.sort()).toEqual(
      messages
        .filter((_, i) => i !== 13)
        .map((m) => m.id)
        .sort(),
    );
    expect(await partStats(SERIES, 1)).toMatchObject({ delivered: 30 });
    expect(await countRows("webhook_events")).toBe(30);
    // Halving 31 events down to the poison stays well inside the free plan's 50 queries per invocation.
    expect(counting.counts.calls).toBeLessThanOrEqual(24);
  });

  it("a message it cannot read is retried alone (on to the dead-letter queue)", async () => {
    const [reader] = await sentReaders("unreadable", 1);
    const messages = asMessages<unknown>([{ svixId: 42 }, feedbackEvent("email.delivered", reader!.messageId)]);
    const result = await deliverFeedback(messages);
    expect(result.retryMessages.map((m) => m.msgId)).toEqual([messages[0]!.id]);
    expect(result.explicitAcks).toEqual([messages[1]!.id]);
  });

  it("records what the dead-letter queue hands over, once, and lists it newest first", async () => {
    const dead = asMessages<unknown>([
      feedbackEvent("email.bounced", "bounced-email", "msg_dead_1", 1_000),
      { garbage: true },
    ]);
    for (const attempt of [1, 2]) {
      const result = await deliverFeedback(
        dead.map((m) => ({ ...m, attempts: attempt })),
        { dead: true },
      );
      expect(result.ackAll).toBe(true);
    }
    expect(await countRows("feedback_dead_letters")).toBe(2);
    const page = await expectDeclared<{ data: Record<string, unknown>[] }>(
      await adminFetch("/admin/api/feedback/dead"),
      "get",
      "/feedback/dead",
    );
    expect(page.data).toHaveLength(2);
    expect(page.data).toContainEqual({
      svixId: "msg_dead_1",
      type: "email.bounced",
      providerMessageId: "bounced-email",
      receivedAt: new Date(1_000).toISOString(),
      deadAt: expect.any(String),
      recorded: false,
    });
    expect(page.data).toContainEqual(expect.objectContaining({ svixId: null, type: null, recorded: false }));

    // The same event recorded later after all (Resend's own retry): the list says so.
    await deliverFeedback(asMessages([feedbackEvent("email.bounced", "bounced-email", "msg_dead_1")]));
    const after = await expectDeclared<{ data: { svixId: string | null; recorded: boolean }[] }>(
      await adminFetch("/admin/api/feedback/dead"),
      "get",
      "/feedback/dead",
    );
    expect(after.data.find((row) => row.svixId === "msg_dead_1")!.recorded).toBe(true);
  });

  it("pages the dead letters with a cursor and refuses a bad one", async () => {
    await deliverFeedback(
      asMessages(Array.from({ length: 3 }, (_, i) => feedbackEvent("email.delivered", `e${i}`, `msg_page_${i}`))),
      { dead: true },
    );
    const first = await expectDeclared<{ data: { svixId: string }[]; next_cursor: string | null; has_more: boolean }>(
      await adminFetch("/admin/api/feedback/dead?limit=2"),
      "get",
      "/feedback/dead",
    );
    expect(first).toMatchObject({ has_more: true });
    const second = await expectDeclared<{ data: { svixId: string }[]; has_more: boolean }>(
      await adminFetch(`/admin/api/feedback/dead?limit=2&cursor=${first.next_cursor}`),
      "get",
      "/feedback/dead",
    );
    expect([...first.data, ...second.data].map((row) => row.svixId).sort()).toEqual([
      "msg_page_0",
      "msg_page_1",
      "msg_page_2",
    ]);
    expect(second.has_more).toBe(false);
    expect((await adminFetch("/admin/api/feedback/dead?cursor=<script>")).status).toBe(400);
    expect((await adminFetch("/admin/api/feedback/dead", { token: null })).status).toBe(401);
  });
});

describe("through the real queue (miniflare)", () => {
  it("answers at once, queued; the consumer records every event once", async () => {
    const readers = await sentReaders("real", 30);
    const lines = batchLines();
    const answers = await Promise.all(
      readers.map((r) => sendEvent(resendEvent("email.delivered", r.messageId, r.email), { queued: true })),
    );
    expect(answers.map((a) => a.res.status)).toEqual(readers.map(() => 200));
    expect(answers[0]!.body).toEqual({ received: true, queued: true });
    // Resend retrying one (same svix id): still counted once.
    await sendEvent(resendEvent("email.delivered", readers[0]!.messageId, readers[0]!.email), {
      id: answers[0]!.id,
      queued: true,
    });
    // Every message consumed (the log's batches add up to 31), in batches of up to 100.
    await vi.waitFor(() => expect(lines().reduce((sum, line) => sum + Number(line.events), 0)).toBe(31), {
      timeout: 20_000,
      interval: 250,
    });
    expect(lines().reduce((sum, line) => sum + Number(line.duplicates), 0)).toBe(1);
    expect(await countRows("webhook_events")).toBe(30);
    expect(await partStats(SERIES, 1)).toMatchObject({ sent: 30, delivered: 30 });
  }, 30_000);
});

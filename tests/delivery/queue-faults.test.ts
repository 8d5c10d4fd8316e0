import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../worker/db";
import type { DeliveryMessage } from "../../worker/env";
import { sendBatch } from "../../worker/delivery/send-batch";
import { unsubscribe } from "../../worker/subscribers/unsubscribe";
import { HOUR, deliveryContextAt, mockResend, resetDatabase, runCycleAt, seedReaders } from "../helpers/delivery-helpers";

/**
 * The fan-out path under faults: the cron (the real cycle in queue mode) claims batches and enqueues them;
 * consumers send them. The queue delivers at least once, so every message reaches two consumers at the same
 * time; failed sends are retried as `message.retry()` would; readers unsubscribe while their batch waits in
 * the queue. Same promise as the inline path: 0 duplicates, 0 gaps, 0 out of order, 0 sends after unsubscribe.
 */
const READERS = 300;
const T0 = Date.UTC(2026, 0, 5, 12, 0);
const provider = mockResend("queue-faults");

/** A stand-in for the Queue binding that keeps what the cron enqueued. */
function collectingQueue() {
  const pending: string[] = [];
  const queue = {
    send: async (body: DeliveryMessage) => void pending.push(body.batchId),
    sendBatch: async (messages: Iterable<MessageSendRequest<DeliveryMessage>>) => {
      for (const message of messages) pending.push(message.body.batchId);
    },
  } as unknown as Queue<DeliveryMessage>;
  return { queue, pending };
}

describe("exactly once through the delivery queue, under faults", () => {
  const leavers = new Map<string, Set<number>>();
  let accepted: { to: string; subject: string; seq: number }[] = [];
  let stats = { batchRequests: 0, replays: 0, conflicts: 0, faults500: 0, faults429: 0, hangs: 0 };

  beforeAll(async () => {
    await resetDatabase();
    await provider.reset();
    await provider.faults({ error500: 0.1, rateLimit: 0.07, acceptThenHang: 0.06, hangMs: 500, seed: 11 });
    await seedReaders({ series: "fixture-four", count: READERS, prefix: "queued-fault", dueAt: T0 });
    const mailer = provider.mailer(200);
    const { queue, pending } = collectingQueue();

    for (let step = 0; step <= 8 * 24; step++) {
      const now = T0 + step * HOUR;
      // The cron: wake, recover expired batches, claim due readers in batches of 25 and enqueue them.
      await runCycleAt(now, { queue, batchSize: 25 }, { mailer });
      if (step === 72) await unsubscribeSome(now); // part 3 is due: its batches wait in the queue
      // The consumers: every message twice at once (at-least-once delivery); failures go back on the queue.
      const messages = pending.splice(0);
      for (const batchId of messages) {
        const ctx = deliveryContextAt(now, { mailer: mailer });
        const outcomes = await Promise.all([sendBatch(ctx, batchId), sendBatch(deliveryContextAt(now, { mailer: mailer }), batchId)]);
        if (outcomes.some((o) => o.kind === "unknown" || o.kind === "rate_limited")) pending.push(batchId);
      }
    }
    await provider.faults({});
    for (let step = 1; step <= 24; step++) {
      const now = T0 + (8 * 24 + step) * HOUR;
      await runCycleAt(now, { queue, batchSize: 25 }, { mailer });
      for (const batchId of pending.splice(0)) await sendBatch(deliveryContextAt(now, { mailer: mailer }), batchId);
    }
    accepted = (await provider.sent()).map(({ to, subject, seq }) => ({ to, subject, seq }));
    stats = (await provider.stats()) as typeof stats;
  }, 240_000);

  /** 15 readers leave while batches wait in the queue: what is already frozen or sent is theirs. */
  async function unsubscribeSome(now: number) {
    const { results } = await env.DB.prepare(
      `SELECT p.id, p.email FROM subscribers p JOIN subscriptions s ON s.subscriber_id = p.id
       WHERE p.email_key LIKE 'queued-fault%' AND s.batch_id IS NOT NULL ORDER BY p.id LIMIT 15`,
    ).all<{ id: number; email: string }>();
    for (const reader of results) {
      await unsubscribe(getDb(env.DB), env.DB, reader.id, "one-click", now);
      const { results: committed } = await env.DB.prepare(
        `SELECT d.part_number AS part FROM deliveries d JOIN batches b ON b.id = d.batch_id
         WHERE d.subscriber_id = ?1 AND (d.status = 'sent' OR (d.status = 'claimed' AND b.attempts > 0))`,
      )
        .bind(reader.id)
        .all<{ part: number }>();
      leavers.set(reader.email, new Set(committed.map((row) => row.part)));
    }
  }

  const partOf = (subject: string) => Number(/part (\d+)$/.exec(subject)![1]);

  it("met real faults and duplicate consumers", () => {
    expect(stats.faults500).toBeGreaterThan(0);
    expect(stats.faults429).toBeGreaterThan(0);
    expect(stats.hangs).toBeGreaterThan(0);
    expect(stats.replays).toBeGreaterThan(0);
    expect(stats.conflicts).toBe(0);
    expect(leavers.size).toBe(15);
  });

  it("delivered every part once, in order, and nothing after an unsubscribe", () => {
    const byReader = new Map<string, number[]>();
    for (const mail of [...accepted].sort((a, b) => a.seq - b.seq)) {
      byReader.set(mail.to, [...(byReader.get(mail.to) ?? []), partOf(mail.subject)]);
    }
    let duplicates = 0;
    let gaps = 0;
    let outOfOrder = 0;
    let afterUnsubscribe = 0;
    for (const [email, parts] of byReader) {
      duplicates += parts.length - new Set(parts).size;
      const committed = leavers.get(email);
      if (committed) {
        afterUnsubscribe += parts.filter((part) => !committed.has(part)).length;
        continue;
      }
      gaps += 4 - new Set(parts).size;
      if (parts.some((part, i) => part !== i + 1)) outOfOrder += 1;
    }
    expect({ duplicates, gaps, outOfOrder, afterUnsubscribe }).toEqual({ duplicates: 0, gaps: 0, outOfOrder: 0, afterUnsubscribe: 0 });
    expect(byReader.size).toBeGreaterThanOrEqual(READERS - 15);
  });

  it("left nothing in flight", async () => {
    const open = await env.DB.prepare(`SELECT count(*) AS n FROM batches WHERE status = 'claimed'`).first<{ n: number }>();
    expect(open!.n).toBe(0);
  });
});

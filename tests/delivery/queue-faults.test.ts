import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import type { DeliveryMessage } from "../../worker/env";
import { sendBatch } from "../../worker/delivery/send-batch";
import {
  HOUR,
  deliveryContextAt,
  mockResend,
  resetDatabase,
  runCycleAt,
  seedReaders,
} from "../helpers/delivery-helpers";
import {
  batchesInFlight,
  tallyDeliveries,
  unsubscribeReaders,
  type AcceptedMail,
  type FaultStats,
} from "../helpers/fault-run";

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
  let leavers = new Map<string, Set<number>>();
  let accepted: AcceptedMail[] = [];
  let stats: FaultStats;

  beforeAll(async () => {
    await resetDatabase();
    await provider.reset();
    await provider.faults({ error500: 0.1, rateLimit: 0.07, acceptThenHang: 0.06, seed: 11 });
    await seedReaders({ series: "fixture-four", count: READERS, prefix: "queued-fault", dueAt: T0 });
    const mailer = provider.mailer(200);
    const { queue, pending } = collectingQueue();

    for (let step = 0; step <= 8 * 24; step++) {
      const now = T0 + step * HOUR;
      // The cron: wake, recover expired batches, claim due readers in batches of 25 and enqueue them.
      await runCycleAt(now, { queue, batchSize: 25 }, { mailer });
      if (step === 72) leavers = await unsubscribeReaders(await readersInQueuedBatches(15), now); // part 3's batches wait in the queue
      // The consumers: every message twice at once (at-least-once delivery); failures go back on the queue.
      const messages = pending.splice(0);
      for (const batchId of messages) {
        const consume = () => sendBatch(deliveryContextAt(now, { mailer }), { batchId });
        const outcomes = await Promise.all([consume(), consume()]);
        if (outcomes.some((o) => o.kind === "unknown" || o.kind === "rate_limited")) pending.push(batchId);
      }
    }
    await provider.faults({});
    for (let step = 1; step <= 24; step++) {
      const now = T0 + (8 * 24 + step) * HOUR;
      await runCycleAt(now, { queue, batchSize: 25 }, { mailer });
      for (const batchId of pending.splice(0)) await sendBatch(deliveryContextAt(now, { mailer }), { batchId });
    }
    accepted = await provider.sent();
    stats = (await provider.stats()) as unknown as FaultStats;
  }, 240_000);

  /** Readers whose batch waits in the queue: what is already frozen or sent is theirs when they leave. */
  async function readersInQueuedBatches(count: number) {
    const { results } = await env.DB.prepare(
      `SELECT p.id, p.email FROM subscribers p JOIN subscriptions s ON s.subscriber_id = p.id
       WHERE p.email_key LIKE 'queued-fault%' AND s.batch_id IS NOT NULL ORDER BY p.id LIMIT ?1`,
    )
      .bind(count)
      .all<{ id: number; email: string }>();
    return results;
  }

  it("met real faults and duplicate consumers", () => {
    expect(stats.faults500).toBeGreaterThan(0);
    expect(stats.faults429).toBeGreaterThan(0);
    expect(stats.hangs).toBeGreaterThan(0);
    expect(stats.replays).toBeGreaterThan(0);
    expect(stats.conflicts).toBe(0);
    expect(leavers.size).toBe(15);
  });

  it("delivered every part once, in order, and nothing after an unsubscribe", () => {
    expect(tallyDeliveries(accepted, leavers, 4)).toEqual({
      readers: READERS,
      duplicates: 0,
      gaps: 0,
      outOfOrder: 0,
      afterUnsubscribe: 0,
    });
  });

  it("left nothing in flight", async () => {
    expect(await batchesInFlight()).toBe(0);
  });
});

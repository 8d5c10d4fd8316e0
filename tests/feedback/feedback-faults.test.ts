import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { FeedbackMessage } from "../../worker/env";
import { seeded } from "../../scripts/seeded-random";
import { feedbackSql } from "../../worker/feedback/feedback-queries";
import { resetDatabase } from "../helpers/delivery-helpers";
import { faultyBatches, recordingD1 } from "../helpers/recording-d1";
import { asMessages, deliverFeedback, feedbackEvent, type Delivered } from "../helpers/feedback-helpers";
import { partStats, sentReaders, WEBHOOK_SERIES } from "../helpers/webhook-helpers";
import { countRows } from "../helpers/rows";

/**
 * Every provider event of 300 emails through the consumer under faults: Resend's own redeliveries (same svix id)
 * and second events under new ids, in shuffled order, in batches of 1 to 100, every batch handed to two consumers
 * at once, D1 down for a consumer (its batch retried), transactions refused (halved) or committed then crashed
 * before the ack (redelivered). The
 * counters and marks must come out exactly as the events say, each delivery counted once per column.
 */
const READERS = 300;

describe("every provider event counted exactly, under faults", () => {
  const expected = { delivered: 0, opened: 0, delayed: 0, failed: 0, bounces: 0, complaints: 0 };
  const suppressed = new Map<number, "bounced" | "complained">();
  const svixIds = new Set<string>();
  const faults = { down: 0, refused: 0, crashed: 0, twins: 0, retried: 0 };
  let counts = { calls: 0, events: 0 };

  beforeAll(async () => {
    await resetDatabase();
    const readers = await sentReaders("faults", READERS);
    const rand = seeded(7);
    const events: FeedbackMessage[] = [];
    const add = (type: string, emailId: string) => {
      const event = feedbackEvent(type, emailId);
      events.push(event);
      svixIds.add(event.svixId);
      if (rand() < 0.25) events.push({ ...event }); // Resend redelivering it: the same svix id
    };
    readers.forEach((reader, i) => {
      add("email.sent", reader.messageId);
      if (i % 13 === 0) {
        add("email.bounced", reader.messageId);
        expected.bounces++;
        suppressed.set(reader.subscriberId, "bounced");
        return;
      }
      add("email.delivered", reader.messageId);
      if (i % 4 === 0) add("email.delivered", reader.messageId); // a second event under its own svix id
      expected.delivered++;
      if (i % 7 === 0) {
        add("email.delivery_delayed", reader.messageId);
        add("email.delivery_delayed", reader.messageId);
        expected.delayed++;
      }
      if (i % 11 === 0) {
        add("email.failed", reader.messageId);
        expected.failed++;
      }
      if (i % 3 === 0) {
        add("email.opened", reader.messageId);
        add("email.opened", reader.messageId);
        expected.opened++;
      }
      if (i % 5 === 0) add("email.clicked", reader.messageId);
      if (i % 60 === 1) {
        add("email.complained", reader.messageId);
        expected.complaints++;
        suppressed.set(reader.subscriberId, "complained");
      }
    });
    for (let i = events.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [events[i], events[j]] = [events[j]!, events[i]!];
    }

    // A consumer finds D1 down (15%: every call refused, its whole batch retried); otherwise each transaction that
    // writes events is refused (20%: halved until it goes through) or commits and then crashes (10%).
    let calls = 0;
    const consumerDb = () => {
      const down = rand() < 0.15;
      if (down) faults.down++;
      const counting = recordingD1(
        faultyBatches(env.DB, (statements) => {
          if (down) return "refuse";
          if (statements[0]?.query !== feedbackSql.keepEvents) return null;
          const roll = rand();
          if (roll < 0.2) {
            faults.refused++;
            return "refuse";
          }
          if (roll < 0.3) {
            faults.crashed++;
            return "crash";
          }
          return null;
        }),
      );
      return { db: counting.db, done: () => (calls += counting.counts.calls) };
    };
    vi.spyOn(console, "error").mockImplementation(() => {}); // the injected faults' own lines
    let pending: Delivered<FeedbackMessage>[] = asMessages(events);
    for (let round = 0; pending.length > 0 && round < 50; round++) {
      const retry: Delivered<FeedbackMessage>[] = [];
      while (pending.length > 0) {
        const batch = pending.splice(0, 1 + Math.floor(rand() * 100));
        // At-least-once delivery: two copies to two consumers at once; a copy either one did not ack comes back.
        const consumers = [consumerDb(), consumerDb()];
        const results = await Promise.all(consumers.map(({ db }) => deliverFeedback(batch, { db })));
        for (const { done } of consumers) done();
        faults.twins++;
        for (const message of batch) {
          if (results.some((result) => !result.explicitAcks.includes(message.id)))
            retry.push({ ...message, attempts: (message.attempts ?? 1) + 1 });
        }
      }
      faults.retried += retry.length;
      pending = retry;
    }
    expect(pending).toEqual([]);
    counts = { calls, events: events.length };
    vi.restoreAllMocks();
  }, 120_000);

  it("met every fault", () => {
    expect(faults.down).toBeGreaterThan(0);
    expect(faults.refused).toBeGreaterThan(0);
    expect(faults.crashed).toBeGreaterThan(0);
    expect(faults.retried).toBeGreaterThan(0);
    expect(counts.events).toBeGreaterThan(svixIds.size); // redeliveries were in it
  });

  it("counts every delivery once per column, exactly as the events say", async () => {
    expect(await partStats(WEBHOOK_SERIES, 1)).toMatchObject({ sent: READERS, ...expected });
    const marked = await env.DB.prepare(
      `SELECT count(delivered_at) AS delivered, count(opened_at) AS opened, count(delayed_at) AS delayed, count(failed_at) AS failed,
         count(bounced_at) AS bounces, count(complained_at) AS complaints FROM deliveries`,
    ).first();
    expect(marked).toEqual(expected);
  });

  it("recorded each svix id once and suppressed each bounced or complaining reader once", async () => {
    expect(await countRows("webhook_events")).toBe(svixIds.size);
    const { results } = await env.DB.prepare(
      "SELECT id, status FROM subscribers WHERE status IN ('bounced', 'complained') ORDER BY id",
    ).all<{ id: number; status: string }>();
    expect(results).toEqual([...suppressed].sort(([a], [b]) => a - b).map(([id, status]) => ({ id, status })));
    const events = await env.DB.prepare(
      "SELECT subscriber_id AS id, count(*) AS n FROM events WHERE type IN ('bounced', 'complained') GROUP BY subscriber_id",
    ).all<{ n: number }>();
    expect(events.results).toHaveLength(suppressed.size);
    expect(events.results.every((row) => row.n === 1)).toBe(true);
  });

  it("cost a few D1 round trips per batch even so", () => {
    // Two consumers per batch and the halving after each fault: still far below one round trip per event.
    console.log(
      "feedback fault run",
      JSON.stringify({ ...counts, ...faults, roundTripsPerEvent: counts.calls / counts.events }),
    );
    expect(counts.calls / counts.events).toBeLessThan(0.5);
  });
});

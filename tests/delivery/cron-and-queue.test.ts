import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../worker/index";
import type { DeliveryMessage } from "../../worker/env";
import { claimBatch } from "../../worker/delivery/claim-batch";
import { QUEUED_LEASE_MS } from "../../worker/delivery/context";
import { unsubscribe } from "../../worker/subscribers/unsubscribe";
import { deliveryContextAt, resetDatabase, seedReaders } from "../helpers/delivery-helpers";
import { outboxOf, subscriptionsOf } from "../helpers/rows";
import { testDeps } from "../helpers/test-deps";

beforeEach(resetDatabase);

describe("the cron trigger", () => {
  it("claims due readers and fans the batches out through the delivery queue", async () => {
    await seedReaders({ series: "fixture-four", count: 230, prefix: "cron", dueAt: 0 });
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);

    // The queue consumer (this same Worker's queue handler) sends the three batches.
    await vi.waitFor(async () => expect(await outboxOf("cron")).toHaveLength(230), { timeout: 15_000, interval: 200 });
    const mails = await outboxOf("cron");
    expect(new Set(mails.map((mail) => mail.idempotencyKey)).size).toBe(3);
    expect(mails.every((mail) => mail.subject === "Fixture Four, part 1")).toBe(true);
    await vi.waitFor(async () => {
      const rows = await subscriptionsOf("cron");
      expect(rows.every((row) => row.nextPart === 2 && row.batchId === null)).toBe(true);
    });
  });
});

describe("the queue consumer", () => {
  it("sends a claimed batch once, however often the message is delivered", async () => {
    await seedReaders({ series: "fixture-four", count: 3, prefix: "queued", dueAt: 0 });
    const claimed = await claimBatch(deliveryContextAt(Date.now()), {
      size: 100,
      leaseMs: QUEUED_LEASE_MS,
      frozen: false,
    });
    const message = { id: "m1", timestamp: new Date(), attempts: 1, body: { batchId: claimed!.batchId } };

    for (let delivery = 0; delivery < 2; delivery++) {
      const batch = createMessageBatch<DeliveryMessage>("nextpart-delivery", [message]);
      const ctx = createExecutionContext();
      await worker.queue(batch, env, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.explicitAcks).toEqual(["m1"]);
    }
    expect(await outboxOf("queued")).toHaveLength(3);
  });

  it("leaves out a reader who unsubscribed while the batch waited in the queue", async () => {
    await seedReaders({ series: "fixture-four", count: 3, prefix: "waiting", dueAt: 0 });
    const claimed = await claimBatch(deliveryContextAt(Date.now()), {
      size: 100,
      leaseMs: QUEUED_LEASE_MS,
      frozen: false,
    });
    await unsubscribe(testDeps(), { subscriberId: claimed!.members[0]!.subscriberId, source: "one-click" });

    const batch = createMessageBatch<DeliveryMessage>("nextpart-delivery", [
      { id: "m2", timestamp: new Date(), attempts: 1, body: { batchId: claimed!.batchId } },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, env, ctx);
    await getQueueResult(batch, ctx);

    const sentTo = (await outboxOf("waiting")).map((mail) => mail.to);
    expect(sentTo).toHaveLength(2);
    expect(sentTo).not.toContain(claimed!.members[0]!.toEmail);
    const rows = await subscriptionsOf("waiting");
    expect(rows.filter((row) => row.status === "stopped")).toMatchObject([{ nextPart: 1, dueAt: null, batchId: null }]);
  });
});

import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../worker/index";
import type { DeliveryMessage } from "../../worker/env";
import { claimBatch } from "../../worker/delivery/claim-batch";
import { QUEUED_LEASE_MS } from "../../worker/delivery/context";
import { deliveryContext, mockResend, resetDatabase, seedReaders, subscriptionsOf } from "../helpers/delivery-helpers";

/**
 * Resend's limit (5 requests/s) is per team: every consumer invocation and the inline path share it. Twenty
 * batches queued at once reach four consumer invocations running at the same time, against a mock that
 * answers 429 beyond 5 requests a second.
 */
const provider = mockResend("rate-limit");

beforeEach(async () => {
  await resetDatabase();
  await provider.reset();
});

describe("the provider's rate limit", () => {
  it("holds across concurrent invocations: no 429 storm, nothing lost", async () => {
    const limitedEnv = { ...env, PROVIDER_RPS: "5", RESEND_API_KEY: "re_test_key", RESEND_BASE_URL: provider.base };
    await provider.faults({ rps: 5 });
    await seedReaders({ series: "fixture-four", count: 100, prefix: "paced", dueAt: 0 });
    let pending: DeliveryMessage[] = [];
    for (let i = 0; i < 20; i++) {
      const claimed = await claimBatch(deliveryContext(Date.now()), 5, QUEUED_LEASE_MS, false);
      pending.push({ batchId: claimed!.batchId });
    }

    // Each round: the messages left, split over four invocations at once; retried ones come back next round.
    let invocations = 0;
    for (let round = 0; round < 10 && pending.length > 0; round++) {
      const groups = [0, 1, 2, 3].map((g) => pending.filter((_, i) => i % 4 === g)).filter((group) => group.length > 0);
      pending = [];
      await Promise.all(
        groups.map(async (group) => {
          invocations += 1;
          const messages = group.map((body, i) => ({ id: `${round}-${body.batchId}-${i}`, timestamp: new Date(), attempts: round + 1, body }));
          const batch = createMessageBatch<DeliveryMessage>("nextpart-delivery", messages);
          const ctx = createExecutionContext();
          await worker.queue(batch, limitedEnv, ctx);
          const result = await getQueueResult(batch, ctx);
          for (const retried of result.retryMessages) pending.push(messages.find((m) => m.id === retried.msgId)!.body);
        }),
      );
    }

    const stats = await provider.stats();
    expect(invocations).toBeGreaterThanOrEqual(4);
    expect(stats.limited429).toBeLessThanOrEqual(2);
    expect(stats.batchRequests! - stats.limited429!).toBe(20);
    const sent = await provider.sent();
    expect(sent).toHaveLength(100);
    expect(new Set(sent.map((mail) => mail.to)).size).toBe(100);
    expect((await subscriptionsOf("paced")).every((s) => s.nextPart === 2 && s.batchId === null)).toBe(true);
  }, 60_000);
});

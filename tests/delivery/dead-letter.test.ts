import { SELF, createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../worker/index";
import type { DeliveryMessage } from "../../worker/env";
import { claimBatch } from "../../worker/delivery/claim-batch";
import { QUEUED_LEASE_MS } from "../../worker/delivery/context";
import { sendBatch } from "../../worker/delivery/send-batch";
import {
  HOUR,
  deliveryContextAt,
  mockResend,
  resetDatabase,
  runCycleAt,
  seedReaders,
} from "../helpers/delivery-helpers";
import { subscriptionsOf } from "../helpers/rows";

/** Batches the delivery queue gave up on are recorded as dead and listed by the admin API, never dropped. */
const T0 = Date.UTC(2026, 0, 5, 12, 0);
const provider = mockResend("dead-letter");
const BASE = "https://news.example.com";
const admin = { Authorization: "Bearer test-admin-token" };

beforeEach(async () => {
  await resetDatabase();
  await provider.reset();
});

async function deadLetter(batchId: string) {
  const batch = createMessageBatch<DeliveryMessage>("nextpart-delivery-dlq", [
    { id: `dead-${batchId}`, timestamp: new Date(), attempts: 1, body: { batchId } },
  ]);
  const ctx = createExecutionContext();
  await worker.queue(batch, env, ctx);
  return getQueueResult(batch, ctx);
}

describe("a dead-lettered batch", () => {
  it("that was never attempted is recorded as dead and its readers go back in line", async () => {
    await seedReaders({ series: "fixture-four", count: 4, prefix: "never-tried", dueAt: T0 });
    const claimed = await claimBatch(deliveryContextAt(T0), { size: 100, leaseMs: QUEUED_LEASE_MS, frozen: false });
    expect((await deadLetter(claimed!.batchId)).explicitAcks).toHaveLength(1);

    expect(
      (await subscriptionsOf("never-tried")).every((s) => s.batchId === null && s.dueAt === T0 && s.nextPart === 1),
    ).toBe(true);
    expect(await runCycleAt(T0 + 1)).toMatchObject({ sent: 4 });

    const res = await SELF.fetch(`${BASE}/admin/api/batches?status=dead`, { headers: admin });
    expect(res.status).toBe(200);
    const body = (await res.json()) as {
      data: { id: string; status: string; lastError: string; readers: number; setAsideAt: string }[];
    };
    expect(body.data).toMatchObject([
      { id: claimed!.batchId, status: "dead", lastError: "dead-lettered by the delivery queue", readers: 0 },
    ]);
    expect(Date.parse(body.data[0]!.setAsideAt)).toBeGreaterThan(0);
  });

  it("that was attempted keeps its readers (it may have been delivered), marked failed and listed", async () => {
    await seedReaders({ series: "fixture-four", count: 3, prefix: "tried", dueAt: T0 });
    const claimed = await claimBatch(deliveryContextAt(T0), { size: 100, leaseMs: QUEUED_LEASE_MS, frozen: false });
    await provider.faults({ error500: 1 });
    expect(
      await sendBatch(deliveryContextAt(T0, { mailer: provider.mailer() }), { batchId: claimed!.batchId }),
    ).toMatchObject({
      kind: "unknown",
    });
    await deadLetter(claimed!.batchId);
    await deadLetter(claimed!.batchId); // delivered twice: recorded once

    await provider.faults({});
    await runCycleAt(T0 + 2 * HOUR, {}, { mailer: provider.mailer() });
    expect(await provider.sent()).toHaveLength(0); // never retried under a new key, nor recovered
    expect((await subscriptionsOf("tried")).every((s) => s.batchId === claimed!.batchId && s.nextPart === 1)).toBe(
      true,
    );
    const { results } = await env.DB.prepare(`SELECT DISTINCT status FROM deliveries WHERE batch_id = ?1`)
      .bind(claimed!.batchId)
      .all();
    expect(results).toEqual([{ status: "failed" }]);

    const res = await SELF.fetch(`${BASE}/admin/api/batches?status=dead`, { headers: admin });
    const body = (await res.json()) as { data: { id: string; attempts: number; lastError: string; readers: number }[] };
    expect(body.data).toMatchObject([
      {
        id: claimed!.batchId,
        attempts: 1,
        readers: 3,
        lastError: expect.stringMatching(/^dead-lettered by the delivery queue \(last error: 500/),
      },
    ]);
  });

  it("is listed only with the admin token", async () => {
    expect((await SELF.fetch(`${BASE}/admin/api/batches?status=dead`)).status).toBe(401);
    expect((await SELF.fetch(`${BASE}/admin/api/batches?status=nonsense`, { headers: admin })).status).toBe(400);
  });
});

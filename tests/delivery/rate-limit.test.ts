import { createExecutionContext, createMessageBatch, getQueueResult, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../worker/index";
import type { DeliveryMessage } from "../../worker/env";
import { claimBatch } from "../../worker/delivery/claim-batch";
import { runCycle, type RunCycleOptions } from "../../worker/delivery/run-cycle";
import { QUEUED_LEASE_MS } from "../../worker/delivery/context";
import { appDeps } from "../../worker/app-deps";
import { retryConfirmationEmails } from "../../worker/mail/confirmation-email";
import { deliveryContextAt, mockResend, resetDatabase, seedReaders } from "../helpers/delivery-helpers";
import { uniqueEmail, uniqueIp } from "../helpers/route-helpers";
import { subscriptionsOf } from "../helpers/rows";

/**
 * Resend's limit (5 requests/s) is per team: every consumer invocation and the inline path share it. Twenty
 * batches queued at once reach four consumer invocations running at the same time, while an inline cycle (the
 * cron without a queue, or the admin) sends five more, against a mock that answers 429 beyond 5 requests a second.
 */
const provider = mockResend("rate-limit");

/** The inline path as the admin endpoint runs it: real clock, PROVIDER_RPS = 5, the mock behind the resend SDK. */
const pacedEnv = { ...env, PROVIDER_RPS: "5" };
const runInline = (options: RunCycleOptions = {}) =>
  runCycle(appDeps(pacedEnv, { mailer: provider.mailer(5_000) }), {
    batchSize: 100,
    maxBatches: 1000,
    concurrency: 2,
    ...options,
  });

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
      const claimed = await claimBatch(deliveryContextAt(Date.now()), {
        size: 5,
        leaseMs: QUEUED_LEASE_MS,
        frozen: false,
      });
      pending.push({ batchId: claimed!.batchId });
    }
    await seedReaders({ series: "fixture-four", count: 25, prefix: "inline", dueAt: 0 });

    // The inline path runs meanwhile, cycle after cycle until nothing is due (a 429 stops a cycle and gives
    // its readers back, to be claimed again).
    const drainInline = async () => {
      for (let cycle = 0; cycle < 30; cycle++) {
        const summary = await runInline({ batchSize: 5 });
        if (summary.due === 0 && !summary.rateLimited) return;
      }
    };
    const inline = drainInline();

    // Each round: the messages left, split over four invocations at once; retried ones come back next round.
    let invocations = 0;
    for (let round = 0; round < 10 && pending.length > 0; round++) {
      const groups = [0, 1, 2, 3].map((g) => pending.filter((_, i) => i % 4 === g)).filter((group) => group.length > 0);
      pending = [];
      await Promise.all(
        groups.map(async (group) => {
          invocations += 1;
          const messages = group.map((body, i) => ({
            id: `${round}-${body.batchId}-${i}`,
            timestamp: new Date(),
            attempts: round + 1,
            body,
          }));
          const batch = createMessageBatch<DeliveryMessage>("nextpart-delivery", messages);
          const ctx = createExecutionContext();
          await worker.queue(batch, limitedEnv, ctx);
          const result = await getQueueResult(batch, ctx);
          for (const retried of result.retryMessages) pending.push(messages.find((m) => m.id === retried.msgId)!.body);
        }),
      );
    }

    await inline;
    await drainInline(); // readers a 429 gave back while their batch waited in the queue
    const stats = await provider.stats();
    expect(invocations).toBeGreaterThanOrEqual(4);
    expect(stats.limited429).toBeLessThanOrEqual(2);
    const sent = await provider.sent();
    expect(sent).toHaveLength(125);
    expect(new Set(sent.map((mail) => mail.to)).size).toBe(125);
    for (const prefix of ["paced", "inline"]) {
      expect((await subscriptionsOf(prefix)).every((s) => s.nextPart === 2 && s.batchId === null)).toBe(true);
    }
  }, 60_000);

  it("leaves a batch for later, without calling the provider, when no slot is free soon enough", async () => {
    await seedReaders({ series: "fixture-four", count: 5, prefix: "no-slot", dueAt: 0 });
    // Another invocation has booked the next minute of slots.
    await env.DB.prepare(`INSERT INTO provider_slots (provider, next_slot_at) VALUES ('resend', ?1)`)
      .bind(Date.now() + 60_000)
      .run();
    expect(await runInline()).toMatchObject({ sent: 0, rateLimited: true, providerRequests: 0 });
    expect((await provider.stats()).batchRequests ?? 0).toBe(0);
    expect(
      (await subscriptionsOf("no-slot")).every((s) => s.batchId === null && s.nextPart === 1 && s.dueAt === 0),
    ).toBe(true);

    await env.DB.prepare(`UPDATE provider_slots SET next_slot_at = 0`).run();
    expect(await runInline()).toMatchObject({ sent: 5, providerRequests: 1 });
  });
});

describe("every provider call books a slot of the team's rate: signup confirmations", () => {
  const limitedEnv = () => ({
    ...env,
    PROVIDER_RPS: "5",
    RESEND_API_KEY: "re_test_key",
    RESEND_BASE_URL: provider.base,
  });
  const slotOf = async () =>
    (
      await env.DB.prepare(`SELECT next_slot_at AS at FROM provider_slots WHERE provider = 'resend'`).first<{
        at: number;
      }>()
    )?.at ?? null;
  const consentOf = async (email: string) =>
    (await env.DB.prepare(`SELECT c.email_status AS status, c.email_attempts AS attempts, c.email_next_at AS nextAt FROM consents c
      JOIN subscribers s ON s.id = c.subscriber_id WHERE s.email = ?1`)
      .bind(email)
      .first<{ status: string; attempts: number; nextAt: number }>())!;

  /** POST /subscribe through the Worker with these bindings, and its background work (the inline send) finished. */
  async function signUp(email: string) {
    const ctx = createExecutionContext();
    const request = new Request("https://news.example.com/subscribe", {
      method: "POST",
      headers: { "content-type": "application/json", "cf-connecting-ip": uniqueIp() },
      body: JSON.stringify({ email }),
    });
    const res = await worker.fetch(request, limitedEnv(), ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(200);
  }

  it("a signup's inline send takes the next slot", async () => {
    const email = uniqueEmail("slot-free");
    const before = Date.now();
    await signUp(email);
    expect((await provider.stats()).requests).toBe(1);
    expect(await slotOf()).toBeGreaterThanOrEqual(before + 200);
    expect(await consentOf(email)).toMatchObject({ status: "sent", attempts: 1 });
  });

  it("with the slots booked far ahead, a signup sends nothing inline; the cron sends it once a slot is free", async () => {
    // Deliveries have booked the next minute of the team's rate.
    await env.DB.prepare(`INSERT INTO provider_slots (provider, next_slot_at) VALUES ('resend', ?1)`)
      .bind(Date.now() + 60_000)
      .run();
    const email = uniqueEmail("slot-busy");
    await signUp(email);
    expect((await provider.stats()).requests ?? 0).toBe(0);
    // Held, not tried: no attempt counted, due again at the next tick.
    const held = await consentOf(email);
    expect(held).toMatchObject({ status: "queued", attempts: 0 });

    // Still booked: the cron does not call the provider either.
    expect(await retryConfirmationEmails(appDeps(limitedEnv(), { clock: () => held.nextAt }))).toBe(0);
    expect((await provider.stats()).requests ?? 0).toBe(0);

    await env.DB.prepare(`UPDATE provider_slots SET next_slot_at = 0`).run();
    expect(await retryConfirmationEmails(appDeps(limitedEnv(), { clock: () => held.nextAt + 60_000 }))).toBe(1);
    expect((await provider.stats()).requests).toBe(1);
    expect((await provider.sent()).map((mail) => mail.to)).toEqual([email]);
    expect(await slotOf()).toBeGreaterThan(0);
  });
});

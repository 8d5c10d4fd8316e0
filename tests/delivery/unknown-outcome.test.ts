import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { HOUR, mockResend, resetDatabase, runCycleAt, seedReaders } from "../helpers/delivery-helpers";
import { deliveriesOf, subscriptionsOf } from "../helpers/rows";

const T0 = Date.UTC(2026, 0, 5, 12, 0);
const provider = mockResend("unknown-outcome");

beforeEach(async () => {
  await resetDatabase();
  await provider.reset();
});

describe("a batch whose outcome is unknown", () => {
  it("is retried under the same key, and the provider's original answer is recorded", async () => {
    await seedReaders({ series: "fixture-four", count: 5, prefix: "lost", dueAt: T0 });
    await provider.faults({ acceptThenHang: 1 });
    const first = await runCycleAt(T0, {}, { mailer: provider.mailer(100) });
    expect(first).toMatchObject({ sent: 0, retrying: 5, providerRequests: 1 });
    expect((await subscriptionsOf("lost")).every((s) => s.batchId !== null && s.nextPart === 1)).toBe(true);

    await provider.faults({});
    expect(await runCycleAt(T0 + 30_000, {}, { mailer: provider.mailer() })).toMatchObject({ sent: 0, recovered: 0 }); // lease not expired
    const retry = await runCycleAt(T0 + HOUR, {}, { mailer: provider.mailer() });
    expect(retry).toMatchObject({ sent: 5, recovered: 1 });

    const accepted = await provider.sent();
    expect(accepted).toHaveLength(5); // accepted once, answered twice
    expect((await provider.stats()).replays).toBe(1);
    const ids = new Set(accepted.map((mail) => mail.id));
    for (const delivery of await deliveriesOf("lost")) expect(ids.has(delivery.providerMessageId!)).toBe(true);
  });

  it("is recorded as sent, not re-sent, once the provider may have forgotten its key (24 h)", async () => {
    await seedReaders({ series: "fixture-four", count: 2, prefix: "stale", dueAt: T0 });
    await provider.faults({ error500: 1 });
    for (let hour = 0; hour < 23; hour += 1) await runCycleAt(T0 + hour * HOUR, {}, { mailer: provider.mailer() });
    const callsWithinWindow = (await provider.stats()).batchRequests;
    expect(callsWithinWindow).toBeGreaterThan(3);

    await provider.faults({});
    await runCycleAt(T0 + 24 * HOUR, {}, { mailer: provider.mailer() });
    expect((await provider.stats()).batchRequests).toBe(callsWithinWindow);
    expect(await provider.sent()).toHaveLength(0);
    const rows = await subscriptionsOf("stale");
    expect(rows.every((s) => s.nextPart === 2 && s.batchId === null)).toBe(true);
    const { results } = await env.DB.prepare(`SELECT status FROM batches`).all<{ status: string }>();
    expect(results).toEqual([{ status: "sent" }]);
  });
});

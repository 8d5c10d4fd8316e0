import { env } from "cloudflare:workers";
import { appDeps } from "../../worker/app-deps";
import { beforeEach, describe, expect, it } from "vitest";
import { runCycle } from "../../worker/delivery/run-cycle";
import { unsubscribe } from "../../worker/subscribers/unsubscribe";
import { resetDatabase, DAY, HOUR, editCatalog, runCycleAt, seedReaders } from "../helpers/delivery-helpers";
import { deliveriesOf, outboxOf, subscriptionsOf } from "../helpers/rows";
import { testDepsAt } from "../helpers/test-deps";

beforeEach(resetDatabase);

// Fixture series "fixture-four": parts with delays 0, 1 day, 2 days, 1 day (tests/fixtures/series).
const T0 = Date.UTC(2026, 0, 5, 12, 0); // a Monday, noon UTC

const subjectsByReader = async (prefix: string) => {
  const byReader = new Map<string, string[]>();
  for (const mail of await outboxOf(prefix)) byReader.set(mail.to, [...(byReader.get(mail.to) ?? []), mail.subject]);
  return byReader;
};

describe("every part in order, each after its delay", () => {
  it("walks three readers through a four-part series on a simulated clock", async () => {
    await seedReaders({ series: "fixture-four", count: 3, prefix: "walk", dueAt: T0 });
    const timeline: [number, number][] = [
      [T0, 3], // part 1 at once
      [T0 + 12 * HOUR, 0], // part 2 waits a day
      [T0 + DAY, 3],
      [T0 + 2 * DAY, 0], // part 3 waits two days after part 2
      [T0 + 3 * DAY - 1, 0],
      [T0 + 3 * DAY, 3],
      [T0 + 4 * DAY, 3], // part 4 a day later
      [T0 + 30 * DAY, 0], // caught up: nothing more
    ];
    for (const [now, expected] of timeline) {
      const summary = await runCycleAt(now);
      expect(summary.sent, `sent at T0+${(now - T0) / HOUR}h`).toBe(expected);
    }
    const subjects = await subjectsByReader("walk");
    expect(subjects.size).toBe(3);
    for (const list of subjects.values()) {
      expect(list).toEqual([
        "Fixture Four, part 1",
        "Fixture Four, part 2",
        "Fixture Four, part 3",
        "Fixture Four, part 4",
      ]);
    }
    for (const row of await subscriptionsOf("walk")) {
      expect(row).toMatchObject({ nextPart: 5, dueAt: null, batchId: null });
    }
    const deliveries = await deliveriesOf("walk");
    expect(deliveries).toHaveLength(12);
    expect(deliveries.every((d) => d.status === "sent" && d.providerMessageId)).toBe(true);
  });

  it("schedules the next part from when the previous one was actually sent", async () => {
    await seedReaders({ series: "fixture-four", count: 1, prefix: "late", dueAt: T0 });
    await runCycleAt(T0 + 5 * HOUR); // the cron ran late
    const [row] = await subscriptionsOf("late");
    expect(row!.dueAt).toBe(T0 + 5 * HOUR + DAY);
  });

  it("gives a part added later to readers who had read every part", async () => {
    // Readers read every part while the series had 3; then the deploy that adds part 4 (the catalog is a dependency).
    const threeParts = editCatalog((series) =>
      series.slug === "fixture-four" ? { ...series, parts: series.parts.slice(0, 3) } : series,
    );
    await seedReaders({ series: "fixture-four", count: 4, prefix: "caught", dueAt: T0 });
    for (let day = 0; day <= 5; day++) await runCycleAt(T0 + day * DAY, {}, { catalog: threeParts });
    expect((await outboxOf("caught")).length).toBe(12);
    expect(await runCycleAt(T0 + 9 * DAY, {}, { catalog: threeParts })).toMatchObject({ sent: 0 });
    const summary = await runCycleAt(T0 + 10 * DAY);
    expect(summary.sent).toBe(4);
    expect(summary.perPart).toEqual({ "fixture-four/4": 4 });
    for (const list of (await subjectsByReader("caught")).values()) expect(list.at(-1)).toBe("Fixture Four, part 4");
    expect(await runCycleAt(T0 + 20 * DAY)).toMatchObject({ sent: 0 });
  });

  it("sends nothing to stopped or pending readers", async () => {
    await seedReaders({ series: "fixture-four", count: 2, prefix: "stopped", dueAt: T0, status: "stopped" });
    await seedReaders({ series: "fixture-four", count: 2, prefix: "pending", dueAt: T0, status: "pending" });
    await runCycleAt(T0 + DAY);
    expect(await outboxOf("stopped")).toHaveLength(0);
    expect(await outboxOf("pending")).toHaveLength(0);
  });

  it("sends nothing after an unsubscribe", async () => {
    await seedReaders({ series: "fixture-four", count: 2, prefix: "leaver", dueAt: T0 });
    await runCycleAt(T0);
    const [first] = await subscriptionsOf("leaver");
    const subscriberId = (await env.DB.prepare("SELECT subscriber_id AS id FROM subscriptions WHERE id = ?")
      .bind(first!.id)
      .first<{ id: number }>())!.id;
    await unsubscribe(testDepsAt(T0 + HOUR), { subscriberId, source: "one-click" });
    for (let day = 1; day <= 6; day++) await runCycleAt(T0 + day * DAY);
    const subjects = await subjectsByReader("leaver");
    expect(subjects.get(first!.email)).toEqual(["Fixture Four, part 1"]);
    expect([...subjects.values()].filter((list) => list.length === 4)).toHaveLength(1);
  });

  it("reports what is due without sending in a dry run", async () => {
    await seedReaders({ series: "fixture-four", count: 5, prefix: "dry", dueAt: T0 });
    const summary = await runCycleAt(T0, { dryRun: true, filter: { series: "fixture-four" } });
    expect(summary).toMatchObject({ dryRun: true, due: 5, sent: 0, providerRequests: 0 });
    expect(summary.perPart["fixture-four/1"]).toBe(5);
    expect(await outboxOf("dry")).toHaveLength(0);
  });

  it("sends one batch call per 100 readers", async () => {
    await seedReaders({ series: "fixture-four", count: 250, prefix: "bulk", dueAt: T0 });
    const summary = await runCycleAt(T0);
    expect(summary).toMatchObject({ sent: 250, providerRequests: 3 });
    const keys = new Set((await outboxOf("bulk")).map((mail) => mail.idempotencyKey));
    expect(keys.size).toBe(3);
  });

  it("stops at the budget and leaves the rest for the next run", async () => {
    await seedReaders({ series: "fixture-four", count: 250, prefix: "budget", dueAt: T0 });
    expect(await runCycleAt(T0, { maxBatches: 1, concurrency: 1 })).toMatchObject({ sent: 100, providerRequests: 1 });
    expect(await runCycleAt(T0, { maxBatches: 5 })).toMatchObject({ sent: 150 });
  });

  it("without options, runCycle takes its budget and batch size from the configuration", async () => {
    await seedReaders({ series: "fixture-four", count: 250, prefix: "configured", dueAt: T0 });
    const oneCallPerRun = { ...env, SEND_BATCHES_PER_RUN: "1", SEND_CONCURRENCY: "1" };
    expect(await runCycle(appDeps(oneCallPerRun, { clock: () => T0 }))).toMatchObject({
      sent: 100,
      providerRequests: 1,
      mailer: "outbox",
    });
    expect(await runCycle(appDeps(oneCallPerRun, { clock: () => T0 }))).toMatchObject({
      sent: 100,
      providerRequests: 1,
    });
  });
});

import { beforeEach, describe, expect, it, vi } from "vitest";
import { compiledCatalog } from "../../worker/content/catalog";
import { claimBatch } from "../../worker/delivery/claim-batch";
import { QUEUED_LEASE_MS } from "../../worker/delivery/context";
import { sendBatch } from "../../worker/delivery/send-batch";
import {
  DAY,
  HOUR,
  deliveryContextAt,
  editCatalog,
  resetDatabase,
  runCycleAt,
  seedReaders,
} from "../helpers/delivery-helpers";
import { confirmVia, signUp, uniqueEmail } from "../helpers/route-helpers";
import { outboxOf, subscriptionsOf } from "../helpers/rows";

/**
 * Parts written ahead (tests/fixtures/series/fixture-scheduled): part 1 is out, part 2 is released at
 * 2099-01-15 09:00 Paris (08:00 UTC), parts 3 and 4 together at 2099-02-01 00:00 Paris. Every delay after part 1
 * is a day. The cycle runs on a simulated clock; what readers get is read from the outbox.
 */
beforeEach(resetDatabase);

const SERIES = "fixture-scheduled";
const parts = compiledCatalog.findSeries(SERIES)!.parts;
const R2 = Date.parse(parts[1]!.publishAt!);
const R3 = Date.parse(parts[2]!.publishAt!);
const T0 = R2 - 5 * DAY;
const subject = (n: number) => `Fixture Scheduled, part ${n}`;

const subjectsByReader = async (prefix: string) => {
  const byReader = new Map<string, string[]>();
  for (const mail of await outboxOf(prefix)) byReader.set(mail.to, [...(byReader.get(mail.to) ?? []), mail.subject]);
  return byReader;
};

/** Every 12 hours from `from` to `to`, plus the given instants, in order. */
const ticks = (from: number, to: number, ...instants: number[]) =>
  [
    ...new Set([
      ...Array.from({ length: Math.floor((to - from) / (12 * HOUR)) + 1 }, (_, i) => from + i * 12 * HOUR),
      ...instants,
    ]),
  ]
    .filter((t) => t >= from && t <= to)
    .sort((a, b) => a - b);

describe("parts written ahead, on a simulated clock", () => {
  it("the fixture's releases are where its front matter puts them", () => {
    expect(new Date(R2).toISOString()).toBe("2099-01-15T08:00:00.000Z");
    expect(new Date(R3).toISOString()).toBe("2099-01-31T23:00:00.000Z");
    expect(parts[3]!.publishAt).toBe(parts[2]!.publishAt); // part 4 goes out with part 3
  });

  it("nothing leaks before a release; after it everyone gets every part, in order, once (caught-up readers too)", async () => {
    // Caught up well before the release, just before it, starting after it; and readers moved onto part 2 early.
    await seedReaders({ series: SERIES, count: 3, prefix: "early", dueAt: T0 });
    await seedReaders({ series: SERIES, count: 3, prefix: "edge", dueAt: R2 - 60_000 });
    await seedReaders({ series: SERIES, count: 3, prefix: "late", dueAt: R2 + 12 * HOUR });
    await seedReaders({ series: SERIES, count: 3, prefix: "moved", nextPart: 2, dueAt: T0 });

    await runCycleAt(T0 - 2 * DAY); // the first run records the series' state
    const idle = await runCycleAt(T0 - DAY);
    expect(idle).toMatchObject({ due: 0, sent: 0, providerRequests: 0 });

    for (const now of ticks(T0, R2 - 1, R2 - 60_000, R2 - 1)) {
      const summary = await runCycleAt(now);
      expect(summary.errors).toEqual([]);
      expect(
        Object.keys(summary.perPart).filter((key) => key !== `${SERIES}/1`),
        new Date(now).toISOString(),
      ).toEqual([]);
    }
    const before = await subjectsByReader("");
    expect([...before.values()].flat().sort()).toEqual(Array(6).fill(subject(1))); // early and edge readers: part 1 only
    // A millisecond before the release the readers waiting for part 2 cost an idle tick: not woken, nothing due.
    const waiting = await runCycleAt(R2 - 1);
    expect(waiting).toMatchObject({ due: 0, sent: 0, providerRequests: 0 });
    expect(waiting.d1).toEqual(idle.d1);
    expect(await runCycleAt(R2 - 1, { dryRun: true })).toMatchObject({ due: 0, perPart: {} });
    for (const row of [...(await subscriptionsOf("early")), ...(await subscriptionsOf("moved"))]) {
      expect(row).toMatchObject({ nextPart: 2, dueAt: null, batchId: null });
    }

    // At the release the cycle wakes the caught-up readers and sends them part 2 in the same run.
    const release = await runCycleAt(R2);
    expect(release.perPart).toEqual({ [`${SERIES}/2`]: 9 });

    for (const now of ticks(R2 + 1, R3 + 6 * DAY, R3 - 1, R3)) {
      const summary = await runCycleAt(now);
      expect(summary.errors).toEqual([]);
      if (now < R3)
        expect(
          Object.keys(summary.perPart).filter((key) => /\/[34]$/.test(key)),
          new Date(now).toISOString(),
        ).toEqual([]);
    }

    const all = [1, 2, 3, 4].map(subject);
    const received = await subjectsByReader("");
    expect(received.size).toBe(12);
    for (const [reader, list] of received)
      expect(list, reader).toEqual(reader.startsWith("moved") ? all.slice(1) : all);
    for (const row of await subscriptionsOf("")) expect(row).toMatchObject({ nextPart: 5, dueAt: null, batchId: null });
  }, 30_000); // about 70 cycles: slow when the machine is shared

  it("a reader who reaches the part after its release waits its delay, as for any part", async () => {
    await seedReaders({ series: SERIES, count: 1, prefix: "after", dueAt: R2 + 12 * HOUR });
    await runCycleAt(R2 + 12 * HOUR);
    const [row] = await subscriptionsOf("after");
    expect(row).toMatchObject({ nextPart: 2, dueAt: R2 + 12 * HOUR + DAY });
  });

  it("a reader who confirms before the series' first release is due at it, not before; the confirm page says so", async () => {
    const R1 = Date.parse(parts[0]!.publishAt!);
    vi.useFakeTimers({ toFake: ["Date"] }); // the Worker's routes read Date.now(): tests and Worker share the isolate
    try {
      vi.setSystemTime(R1 - DAY);
      const signed = await signUp(uniqueEmail("first-release"), { series: SERIES });
      const page = await confirmVia(signed.confirmLink);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("will arrive in your inbox when the next part is published.");
    } finally {
      vi.useRealTimers();
    }
    const [row] = await subscriptionsOf("first-release");
    expect(row).toMatchObject({ status: "active", nextPart: 1, dueAt: null });
    expect(await runCycleAt(R1 - 1)).toMatchObject({ due: 0, sent: 0 });
    expect(await runCycleAt(R1)).toMatchObject({ sent: 1, perPart: { [`${SERIES}/1`]: 1 } });
  });

  it("a release moved later by a deploy while a batch of that part waits in the queue: the batch is skipped, the part goes at the new date, once", async () => {
    await seedReaders({ series: SERIES, count: 2, prefix: "moved-date", dueAt: T0 });
    await runCycleAt(T0);
    await runCycleAt(R2, { maxBatches: 0 }); // the release wakes them; the batch is claimed for the queue below
    const queued = await claimBatch(deliveryContextAt(R2), { size: 100, leaseMs: QUEUED_LEASE_MS, frozen: false });
    expect(queued!.members.map((member) => member.partId)).toEqual([parts[1]!.id, parts[1]!.id]);

    const later = new Date(R2 + 2 * DAY).toISOString();
    const postponed = editCatalog((series) =>
      series.slug !== SERIES
        ? series
        : { ...series, parts: series.parts.map((part, i) => (i === 1 ? { ...part, publishAt: later } : part)) },
    );
    expect(
      (await sendBatch(deliveryContextAt(R2 + HOUR, { catalog: postponed }), { batchId: queued!.batchId })).kind,
    ).toBe("skipped");
    for (let now = R2 + HOUR; now < R2 + 2 * DAY; now += 6 * HOUR)
      expect(await runCycleAt(now, {}, { catalog: postponed })).toMatchObject({ sent: 0 });
    expect(await runCycleAt(R2 + 2 * DAY, {}, { catalog: postponed })).toMatchObject({
      sent: 2,
      perPart: { [`${SERIES}/2`]: 2 },
    });
    for (const list of (await subjectsByReader("moved-date")).values()) expect(list).toEqual([subject(1), subject(2)]);
  });
});

import { env } from "cloudflare:workers";
import { beforeAll, describe, expect, it } from "vitest";
import { MAX_CLICKS_PER_LINK } from "../../worker/actions/click-marks";
import { recordClicks } from "../../worker/actions/record-clicks";
import type { ClickMessage } from "../../worker/env";
import { clickOf, consumeClicks } from "../helpers/click-helpers";
import { seeded, shuffled } from "../../scripts/seeded-random";
import { expectedCounts, expectedReasons } from "../helpers/click-spec";
import { faultyBatches, recordingD1 } from "../helpers/recording-d1";
import { deliveredReader, type DeliveredReader } from "../helpers/reader-helpers";
import { countRows, deliveryRow, partStat } from "../helpers/rows";

/**
 * Clicks through the click queue under faults, as the delivery queue's fault run does: the stream arrives
 * shuffled (bursts split across batches, out of order), every batch goes to two consumers at once, some
 * transactions fail before writing and some crash after writing but before the ack (so the queue redelivers),
 * retried messages come back among later ones, and poison rides in the batches. Every click is then recorded
 * exactly once with the reason the plain rules give, and every counter is exact.
 */
const SERIES = "fixture-four";
const PARTS = [2, 3];
const READERS_PER_PART = 15;

interface Planned {
  reader: DeliveredReader;
  sentAt: number;
  /** Clicks the rules decide over; `hammer` are past the cap once MAX_CLICKS_PER_LINK of them are kept. */
  clicks: ClickMessage[];
  hammer: ClickMessage[];
}

/**
 * One email's clicks: scanner bursts, scanner agents, HEADs, too-soon, people, and on part 2 sometimes a link
 * hammered past the cap (a link of its own: which of its clicks are kept depends on arrival, their reason not).
 */
function planClicks(reader: DeliveredReader, sentAt: number, random: () => number): Planned {
  const links = reader.part === 2 ? 4 : 2;
  const clicks: ClickMessage[] = [];
  const perLink = new Map<number, number>();
  // Each click at its own millisecond, so rows can be matched to clicks by (time, link); never past the cap.
  let ms = 0;
  const add = (link: number, offset: number, reason: ClickMessage["reason"] = null) => {
    if ((perLink.get(link) ?? 0) >= MAX_CLICKS_PER_LINK) return;
    perLink.set(link, (perLink.get(link) ?? 0) + 1);
    clicks.push(clickOf(reader, link, sentAt + offset + ++ms, reason));
  };
  const link = () => Math.floor(random() * links);
  if (random() < 0.5) for (let j = 0; j < 2 + Math.floor(random() * 3); j++) add(j % links, 20_000 + j * 300);
  if (random() < 0.3) add(link(), 40_000, "user-agent");
  if (random() < 0.2) add(link(), 45_000, "head");
  if (random() < 0.2) add(link(), 5_000);
  const people = random() < 0.6 ? 1 + Math.floor(random() * 3) : 0;
  for (let j = 0; j < people; j++) add(link(), 120_000 + j * 60_000);
  // A person clicking two links 0.4 s apart is a burst too: the rule cannot tell them from a scanner.
  if (random() < 0.15) {
    add(0, 600_000);
    add(1, 600_400);
  }
  const hammered = reader.part === 2 && random() < 0.3;
  const hammer = hammered
    ? Array.from({ length: 12 }, (_, j) => clickOf(reader, 4, sentAt + 3_600_000 + j * 5_000, "user-agent"))
    : [];
  return { reader, sentAt, clicks, hammer };
}

const rowsOf = async (deliveryId: number) =>
  (
    await env.DB.prepare(
      "SELECT link, created_at AS at, scanner_reason AS reason FROM clicks WHERE delivery_id = ?1 ORDER BY created_at",
    )
      .bind(deliveryId)
      .all<{ link: number; at: number; reason: string | null }>()
  ).results;

describe("clicks through the queue, under faults", () => {
  const planned: Planned[] = [];
  const before = new Map<number, { humanClicks: number; scannerClicks: number }>();
  const poison: unknown[] = [];
  const outcome = { poisonAcked: 0, poisonRetried: 0, batches: 0, faults: { before: 0, after: 0 } };

  beforeAll(async () => {
    const random = seeded(13);
    for (const part of PARTS) {
      before.set(part, await partStat(SERIES, part));
      for (let i = 0; i < READERS_PER_PART; i++) {
        const reader = await deliveredReader({ series: SERIES, part });
        const sentAt = (await deliveryRow(reader.deliveryId))!.sentAt!;
        planned.push(planClicks(reader, sentAt, random));
      }
    }
    const someone = planned[0]!.reader;
    poison.push(
      { hello: "world" },
      "not an object",
      { ...clickOf(someone, 0, Date.now()), deliveryId: "12" },
      { ...clickOf(someone, 0, Date.now()), link: -1 },
      { ...clickOf(someone, 0, Date.now()), extra: true },
      { ...clickOf(someone, 0, Date.now()), deliveryId: 987_654_321 }, // a click well formed, of no delivery: acked, dropped
    );
    const good = planned.flatMap((p) => [...p.clicks, ...p.hammer]);
    let pending: unknown[] = shuffled([...good, ...poison], random);
    let call = 0;
    const plan = () => {
      call++;
      return call % 3 === 1 ? "after" : call % 3 === 2 ? "before" : null;
    };
    const faulty = faultyBatches(env.DB, () => {
      const kind = plan();
      if (kind) outcome.faults[kind]++;
      return kind === "after" ? "crash" : kind === "before" ? "refuse" : null;
    });
    while (pending.length > 0) {
      outcome.batches++;
      const size = 20 + Math.floor(random() * 80);
      const batch = pending.splice(0, size);
      // At-least-once: the same batch to two consumers at the same time, one of them on the faulty D1.
      const [first, second] = await Promise.all([
        consumeClicks(batch, { bindings: { DB: faulty } }),
        consumeClicks(batch),
      ]);
      const retried = new Set([...first.retried, ...second.retried]);
      for (const [i, body] of batch.entries()) {
        if (poison.includes(body)) {
          if (first.acked.includes(i) && second.acked.includes(i)) outcome.poisonAcked++;
          if (retried.has(i)) outcome.poisonRetried++;
        }
      }
      // Retried messages come back later, among the others, as the queue redelivers them.
      pending = shuffled([...pending, ...[...retried].map((i) => batch[i]!)], random);
      if (outcome.batches > 200) throw new Error("the run does not settle");
    }
    // And the whole stream once more, as if every ack had been lost.
    for (let i = 0; i < good.length; i += 100) await consumeClicks(good.slice(i, i + 100));
  }, 120_000);

  it("met faults of both kinds and redelivered batches", () => {
    expect(outcome.faults.before).toBeGreaterThan(0);
    expect(outcome.faults.after).toBeGreaterThan(0);
    expect(outcome.batches).toBeGreaterThan(3);
    expect(planned.some((p) => p.hammer.length > 0)).toBe(true);
  });

  it("acks every poison message and never retries it", () => {
    expect(outcome.poisonAcked).toBe(poison.length);
    expect(outcome.poisonRetried).toBe(0);
  });

  it("records every click once, with the reason the plain rules give over all of its email's clicks", async () => {
    for (const { reader, sentAt, clicks, hammer } of planned) {
      const reasons = expectedReasons(clicks, sentAt);
      const expected = [
        ...clicks
          .map((click) => ({ link: click.link, at: click.at, reason: reasons.get(click.id) ?? null }))
          .sort((a, b) => a.at - b.at),
        // A hammered link keeps its first few clicks (whichever arrived first), all flagged by their agent.
        ...hammer.slice(0, MAX_CLICKS_PER_LINK).map(() => ({ link: hammer[0]!.link, reason: "user-agent" })),
      ];
      const rows = await rowsOf(reader.deliveryId);
      const hammered = rows.filter((row) => hammer.some((click) => click.at === row.at));
      expect(hammered).toHaveLength(Math.min(hammer.length, MAX_CLICKS_PER_LINK));
      expect([
        ...rows.filter((row) => !hammered.includes(row)),
        ...hammered.map(({ link, reason }) => ({ link, reason })),
      ]).toEqual(expected);
    }
  });

  it("counts each email once as a human click while it has one, once as a scanner click; the marks agree", async () => {
    for (const part of PARTS) {
      const ofPart = planned.filter((p) => p.reader.part === part);
      const expected = { human: 0, scanner: 0 };
      for (const { reader, sentAt, clicks, hammer } of ofPart) {
        const counts = expectedCounts(expectedReasons([...clicks, ...hammer.slice(0, 1)], sentAt));
        expected.human += counts.human;
        expected.scanner += counts.scanner;
        const row = (await deliveryRow(reader.deliveryId))!;
        expect(row.humanClickedAt !== null, `delivery ${reader.deliveryId}`).toBe(counts.human === 1);
        expect(row.scannerClickedAt !== null, `delivery ${reader.deliveryId}`).toBe(counts.scanner === 1);
      }
      const after = await partStat(SERIES, part);
      expect({
        human: after.humanClicks - before.get(part)!.humanClicks,
        scanner: after.scannerClicks - before.get(part)!.scannerClicks,
      }).toEqual(expected);
      expect(expected.human).toBeGreaterThan(0);
      expect(expected.scanner).toBeGreaterThan(0);
    }
  });
});

describe("the click consumer's cost", () => {
  it("1,000 clicks in batches of 100: at most 0.05 D1 round trips a click", async () => {
    const readers = [];
    for (let i = 0; i < 100; i++) readers.push(await deliveredReader({ series: SERIES, part: 2 }));
    const t0 = Date.now();
    // Ten clicks an email, two a link, 2 s apart: each one a new row.
    const clicks = readers.flatMap((reader) =>
      Array.from({ length: 10 }, (_, j) => clickOf(reader, j % 5, t0 + j * 2_000)),
    );
    const counting = recordingD1(env.DB);
    for (const batch of chunks(shuffled(clicks, seeded(3)), 100)) {
      expect((await consumeClicks(batch, { bindings: { DB: counting.db } })).acked).toHaveLength(batch.length);
    }
    const perClick = counting.counts.calls / clicks.length;
    console.log(
      `click consumer: ${clicks.length} clicks, ${counting.counts.calls} D1 round trips (${perClick} a click), ${counting.counts.statements} statements, ` +
        `${counting.writes.rowsWritten} rows written (${(counting.writes.rowsWritten / clicks.length).toFixed(2)} a click), ${counting.writes.rowsRead} rows read`,
    );
    expect(perClick).toBeLessThanOrEqual(0.05);
    // Per batch, whatever its size: a read, and one transaction (insert, counters, the readers' "Still reading?"
    // streaks, marks; no burst to flag here).
    expect(counting.counts).toEqual({ calls: 20, statements: 50 });
    const ids = JSON.stringify(readers.map((reader) => reader.deliveryId));
    expect(await countRows("clicks", "delivery_id IN (SELECT value FROM json_each(?1))", ids)).toBe(clicks.length);
  });

  it("two writers on the same clicks at once: one applies them, the other sees duplicates or a conflict; nothing twice", async () => {
    const readers = [
      await deliveredReader({ series: SERIES, part: 3 }),
      await deliveredReader({ series: SERIES, part: 3 }),
    ];
    const before = await partStat(SERIES, 3);
    const t0 = Date.now();
    const clicks = readers.flatMap((reader) => [clickOf(reader, 0, t0), clickOf(reader, 0, t0 + 30_000)]);
    const [a, b] = await Promise.all([recordClicks({ db: env.DB }, clicks), recordClicks({ db: env.DB }, clicks)]);
    expect(a.recorded + b.recorded).toBe(clicks.length);
    expect(a.duplicates + b.duplicates).toBe(clicks.length);
    expect(a.retry.concat(b.retry)).toEqual([]);
    const after = await partStat(SERIES, 3);
    expect(after.humanClicks - before.humanClicks).toBe(2);
    for (const reader of readers) expect(await rowsOf(reader.deliveryId)).toHaveLength(2);
  });
});

function chunks<T>(items: T[], size: number): T[][] {
  return Array.from({ length: Math.ceil(items.length / size) }, (_, i) => items.slice(i * size, (i + 1) * size));
}

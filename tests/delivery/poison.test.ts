import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { claimBatch } from "../../worker/delivery/claim-batch";
import { QUEUED_LEASE_MS } from "../../worker/delivery/context";
import { nextSendableTime } from "../../worker/delivery/schedule";
import type { Mailer } from "../../worker/mail/create-mailer";
import {
  DAY,
  HOUR,
  deliveryContextAt,
  editCatalog,
  mockResend,
  resetDatabase,
  runCycleAt,
  seedReaders,
} from "../helpers/delivery-helpers";
import { crashingOnRecord } from "../helpers/recording-d1";
import { outboxOf, subscriptionsOf } from "../helpers/rows";

/**
 * One bad batch, reader or timezone never stops the cycle or fails its neighbours: it is set aside with the
 * reason (or left leased for a retry under its key) and everything else goes on.
 */
const T0 = Date.UTC(2026, 0, 5, 12, 0);
const provider = mockResend("poison");

beforeEach(async () => {
  await resetDatabase();
  await provider.reset();
});

/** A mailer that throws on chosen calls, as a network stack or a buggy SDK would. */
function throwingMailer(inner: Mailer, throwOn: (call: number) => boolean, afterSending = false): Mailer {
  let calls = 0;
  return {
    name: inner.name,
    async sendBatch(emails, key) {
      const call = calls++;
      if (!afterSending && throwOn(call)) throw new Error(`socket hang up (call ${call})`);
      const result = await inner.sendBatch(emails, key);
      if (afterSending && throwOn(call)) throw new Error(`answer lost (call ${call})`);
      return result;
    },
  };
}

async function batchRow(id: string) {
  return env.DB.prepare(
    `SELECT status, attempts, last_error AS lastError, set_aside_at AS setAsideAt FROM batches WHERE id = ?1`,
  )
    .bind(id)
    .first<{ status: string; attempts: number; lastError: string | null; setAsideAt: number | null }>();
}

describe("one bad batch never stops the cycle", () => {
  it("sets aside a batch that cannot be composed and sends the others", async () => {
    await seedReaders({ series: "fixture-four", count: 5, prefix: "poisoned", dueAt: T0, nextPart: 2 });
    const poisoned = await claimBatch(deliveryContextAt(T0), { size: 100, leaseMs: QUEUED_LEASE_MS, frozen: false });
    await seedReaders({ series: "fixture-four", count: 10, prefix: "healthy", dueAt: T0 });
    await claimBatch(deliveryContextAt(T0 + 1), { size: 100, leaseMs: QUEUED_LEASE_MS, frozen: false });
    // A deploy whose part 2 holds a slot no reader has a value for (the build refuses that; a hand edit did not).
    const broken = editCatalog((series) =>
      series.slug === "fixture-four"
        ? {
            ...series,
            parts: series.parts.map((part) =>
              part.number === 2 ? { ...part, email: { ...part.email, text: `${part.email.text}{{{nope}}}` } } : part,
            ),
          }
        : series,
    );

    // Both queued batches expired (their consumer died): the cycle recovers the poisoned one first.
    const summary = await runCycleAt(T0 + QUEUED_LEASE_MS + 1, {}, { catalog: broken });
    expect(summary).toMatchObject({ sent: 10, setAside: 5, recovered: 2 });
    expect(summary.errors).toEqual([
      {
        batchId: poisoned!.batchId,
        message: expect.stringMatching(/^compose: fillTemplate: no value for slot "nope"/),
      },
    ]);
    expect(await outboxOf("healthy")).toHaveLength(10);
    expect(await outboxOf("poisoned")).toHaveLength(0);

    // Nothing reached the provider: the readers are back in line (an hour later), the reason is on the batch.
    expect(await batchRow(poisoned!.batchId)).toMatchObject({
      status: "failed",
      lastError: expect.stringMatching(/^compose:/),
    });
    const readers = await subscriptionsOf("poisoned");
    expect(
      readers.every((s) => s.batchId === null && s.nextPart === 2 && s.dueAt === T0 + QUEUED_LEASE_MS + 1 + HOUR),
    ).toBe(true);
    await runCycleAt(T0 + 2 * HOUR);
    expect(await outboxOf("poisoned")).toHaveLength(5);
  });

  it("keeps going when the mailer throws for one batch, which is retried under its key", async () => {
    await seedReaders({ series: "fixture-four", count: 30, prefix: "throwing", dueAt: T0 });
    const mailer = throwingMailer(provider.mailer(), (call) => call === 0);
    const summary = await runCycleAt(T0, { batchSize: 10, concurrency: 1 }, { mailer });
    expect(summary).toMatchObject({ sent: 20, retrying: 10, providerRequests: 3 });

    expect(await runCycleAt(T0 + HOUR, {}, { mailer })).toMatchObject({ sent: 10, recovered: 1 });
    const sent = await provider.sent();
    expect(sent).toHaveLength(30);
    expect(new Set(sent.map((mail) => mail.to)).size).toBe(30);
  });
});

describe("an error while recording one batch", () => {
  it("leaves that batch leased for a retry under its key, and records the others", async () => {
    await seedReaders({ series: "fixture-four", count: 30, prefix: "unrecorded", dueAt: T0 });
    const crashOnRecord = new Set<string>();
    const resend = provider.mailer();
    let first: string | null = null;
    const mailer: Mailer = {
      name: resend.name,
      async sendBatch(emails, key) {
        if (first === null) {
          first = key;
          crashOnRecord.add(key);
        }
        return resend.sendBatch(emails, key);
      },
    };
    const summary = await runCycleAt(
      T0,
      { batchSize: 10, concurrency: 1 },
      { mailer, db: crashingOnRecord(env.DB, crashOnRecord) },
    );
    expect(summary).toMatchObject({ sent: 20, providerRequests: 2 });
    expect(summary.errors).toEqual([{ batchId: first, message: `injected crash before recording ${first}` }]);
    expect((await subscriptionsOf("unrecorded")).filter((s) => s.batchId === first)).toHaveLength(10);

    expect(await runCycleAt(T0 + HOUR, {}, { mailer: resend })).toMatchObject({ sent: 10, recovered: 1 });
    expect(await provider.stats()).toMatchObject({ batchRequests: 4, replays: 1, conflicts: 0 });
    expect(await provider.sent()).toHaveLength(30);
  });
});

describe("an invalid stored timezone", () => {
  // fixture-windowed: weekdays 08:00–10:00 Europe/Paris; part 2 comes a day after part 1.
  const MONDAY_0730Z = Date.UTC(2026, 10, 30, 7, 30); // 08:30 in Paris

  it("falls back to the series' timezone instead of throwing", async () => {
    await seedReaders({
      series: "fixture-windowed",
      count: 3,
      prefix: "martian",
      dueAt: 0,
      timezone: "Mars/Olympus_Mons",
    });
    await seedReaders({ series: "fixture-windowed", count: 2, prefix: "parisian", dueAt: 0 });
    const summary = await runCycleAt(MONDAY_0730Z);
    expect(summary).toMatchObject({ sent: 5, deferred: 0, errors: [] });

    const window = { days: [1, 2, 3, 4, 5], start: "08:00", end: "10:00" };
    const nextDue = nextSendableTime(MONDAY_0730Z + DAY, window, "Europe/Paris");
    for (const prefix of ["martian", "parisian"]) {
      expect((await subscriptionsOf(prefix)).map((s) => [s.nextPart, s.dueAt])).toEqual(
        Array.from({ length: prefix === "martian" ? 3 : 2 }, () => [2, nextDue]),
      );
    }
  });
});

describe("a refusal on a retry after an unknown outcome", () => {
  it("keeps the batch and its key: its readers are never re-claimed for that part under a new key", async () => {
    await seedReaders({ series: "fixture-four", count: 5, prefix: "after-unknown", dueAt: T0 });
    await provider.faults({ error500: 1 });
    expect(await runCycleAt(T0, {}, { mailer: provider.mailer() })).toMatchObject({ retrying: 5 });
    const batchId = (await subscriptionsOf("after-unknown"))[0]!.batchId!;

    await provider.faults({ error422: 1 });
    const refused = await runCycleAt(T0 + HOUR, {}, { mailer: provider.mailer() });
    expect(refused).toMatchObject({ recovered: 1, setAside: 5, sent: 0 });
    expect(refused.errors[0]).toMatchObject({ batchId, message: expect.stringMatching(/^422/) });

    await provider.faults({});
    for (const later of [2 * HOUR, 3 * HOUR, DAY, 2 * DAY])
      await runCycleAt(T0 + later, {}, { mailer: provider.mailer() });
    expect(await provider.sent()).toHaveLength(0);
    expect((await provider.stats()).batchRequests).toBe(2);
    expect((await subscriptionsOf("after-unknown")).every((s) => s.batchId === batchId && s.nextPart === 1)).toBe(true);
    expect(await batchRow(batchId)).toMatchObject({
      status: "failed_after_unknown",
      lastError: expect.stringMatching(/^after an unknown outcome: 422/),
      setAsideAt: T0 + HOUR,
    });
  });
});

describe("a recipient the provider refuses", () => {
  const refusalsOf = (email: string) =>
    env.DB.prepare(
      `SELECT s.status, s.refusals, s.set_aside_reason AS reason, s.next_part AS nextPart, s.due_at AS dueAt
       FROM subscriptions s JOIN subscribers p ON p.id = s.subscriber_id WHERE p.email = ?1`,
    )
      .bind(email)
      .first<{ status: string; refusals: number; reason: string | null; nextPart: number; dueAt: number | null }>();

  it("does not fail its neighbours, and is set aside with the reason after three refusals", async () => {
    await seedReaders({ series: "fixture-four", count: 6, prefix: "neighbour", dueAt: T0 });
    await provider.faults({ refuseTo: ["neighbour3@example.com"] });

    expect(await runCycleAt(T0, {}, { mailer: provider.mailer() })).toMatchObject({ sent: 5, refused: 1, setAside: 0 });
    expect(await refusalsOf("neighbour3@example.com")).toMatchObject({
      status: "active",
      refusals: 1,
      nextPart: 1,
      dueAt: T0 + HOUR,
    });
    expect(await runCycleAt(T0 + HOUR, {}, { mailer: provider.mailer() })).toMatchObject({
      sent: 0,
      refused: 1,
      setAside: 0,
    });
    expect(await runCycleAt(T0 + 2 * HOUR, {}, { mailer: provider.mailer() })).toMatchObject({
      sent: 0,
      refused: 1,
      setAside: 1,
    });
    expect(await refusalsOf("neighbour3@example.com")).toMatchObject({
      status: "stopped",
      refusals: 3,
      dueAt: null,
      reason: expect.stringMatching(/^refused by the provider: Invalid `to` field/),
    });
    await runCycleAt(T0 + 3 * HOUR, {}, { mailer: provider.mailer() });

    const sent = await provider.sent();
    expect(sent.map((mail) => mail.to).sort()).toEqual([1, 2, 4, 5, 6].map((i) => `neighbour${i}@example.com`));
    expect((await provider.stats()).batchRequests).toBe(3);
    const others = (await subscriptionsOf("neighbour")).filter((s) => s.email !== "neighbour3@example.com");
    expect(others.every((s) => s.nextPart === 2 && s.batchId === null)).toBe(true);
  });

  it("is answered the same when a permissive batch is retried: the retry is byte-identical", async () => {
    await seedReaders({ series: "fixture-four", count: 4, prefix: "lost-answer", dueAt: T0 });
    await provider.faults({ refuseTo: ["lost-answer2@example.com"] });
    const mailer = throwingMailer(provider.mailer(), (call) => call === 0, true);

    expect(await runCycleAt(T0, {}, { mailer })).toMatchObject({ sent: 0, retrying: 4 });
    expect(await runCycleAt(T0 + HOUR, {}, { mailer })).toMatchObject({ sent: 3, refused: 1, recovered: 1 });
    expect(await provider.stats()).toMatchObject({ batchRequests: 2, replays: 1, conflicts: 0 });
    expect(await provider.sent()).toHaveLength(3);
    const refusedReader = (await subscriptionsOf("lost-answer")).find((s) => s.email === "lost-answer2@example.com");
    expect(refusedReader).toMatchObject({ nextPart: 1, batchId: null, dueAt: T0 + 2 * HOUR });
  });
});

describe("leases", () => {
  it("are taken with the current time, so a long cycle never hands out an expired lease", async () => {
    await seedReaders({ series: "fixture-four", count: 30, prefix: "slow", dueAt: T0 });
    let clock = T0;
    const expiredSeen: number[] = [];
    const outbox = deliveryContextAt(T0).mailer;
    // A slow provider: each call takes three simulated minutes (longer than a sending lease).
    const slow: Mailer = {
      name: outbox.name,
      async sendBatch(emails, key) {
        const expired = await env.DB.prepare(
          `SELECT count(*) AS n FROM batches WHERE status = 'claimed' AND lease_until <= ?1`,
        )
          .bind(clock)
          .first<{ n: number }>();
        expiredSeen.push(expired!.n);
        clock += 3 * 60 * 1000;
        return outbox.sendBatch(emails, key);
      },
    };
    const summary = await runCycleAt(T0, { batchSize: 10, concurrency: 1 }, { mailer: slow, clock: () => clock });
    expect(summary.sent).toBe(30);
    expect(expiredSeen).toEqual([0, 0, 0]);
  });
});

import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { type CatalogIndex, compiledCatalog } from "../../worker/content/catalog";
import { MAX_RESUMES_PER_RUN } from "../../worker/delivery/context";
import { sql } from "../../worker/delivery/delivery-queries";
import { pauseSubscription, resumeSubscription } from "../../worker/preferences/pause-subscription";
import { DAY, resetDatabase, runCycleAt, seedReaders } from "../helpers/delivery-helpers";
import { explain } from "../helpers/recording-d1";
import { outboxOf, subscriptionsOf } from "../helpers/rows";

beforeEach(resetDatabase);

const T0 = Date.UTC(2026, 11, 1, 10, 0);

/** The verbs' deps on the test's clock, with the catalog given as is (not the released view of it). */
const at = (now: number, catalog: CatalogIndex = compiledCatalog) => ({ db: env.DB, catalog, clock: () => now });

const idsOf = async (prefix: string) => (await subscriptionsOf(prefix)).map((s) => s.id);

describe("a reader's pause, on a simulated clock", () => {
  it("holds every part until its date, then the cycle resumes it by itself: the reader keeps their place", async () => {
    await seedReaders({ series: "fixture-four", count: 2, prefix: "pause", dueAt: T0 });
    const [paused, other] = await idsOf("pause");
    expect(await pauseSubscription(at(T0), { subscriptionId: paused!, until: T0 + 7 * DAY })).toBe(true);

    expect(await runCycleAt(T0)).toMatchObject({ sent: 1 });
    expect((await outboxOf("pause")).map((mail) => mail.to)).toEqual(["pause2@example.com"]);
    // A week of ticks sends them nothing; the other reader goes on (part 2 a day later).
    for (let day = 1; day < 7; day++) await runCycleAt(T0 + day * DAY);
    expect((await outboxOf("pause1")).length).toBe(0);
    const before = (await subscriptionsOf("pause")).find((s) => s.id === paused)!;
    expect(before).toMatchObject({ status: "paused", pausedUntil: T0 + 7 * DAY, nextPart: 1, dueAt: T0 });

    // The tick at the date resumes them and sends the part that was due, in the same run.
    expect(await runCycleAt(T0 + 7 * DAY)).toMatchObject({ sent: 1 });
    const after = (await subscriptionsOf("pause")).find((s) => s.id === paused)!;
    expect(after).toMatchObject({ status: "active", pausedUntil: null, nextPart: 2 });
    expect((await outboxOf("pause1")).map((mail) => mail.subject)).toEqual(["Fixture Four, part 1"]);
    expect(other).toBeDefined();
  });

  it("a reader who was caught up and missed a part while paused gets it on resume", async () => {
    await seedReaders({ series: "fixture-four", count: 1, prefix: "caught", nextPart: 4, dueAt: null });
    const [id] = await idsOf("caught");
    // Three parts of four are "out" while the reader is paused; the fourth comes out meanwhile.
    const three = {
      ...compiledCatalog,
      orderJson: JSON.stringify({ "fixture-four": JSON.parse(compiledCatalog.orderJson)["fixture-four"].slice(0, 3) }),
    };
    await pauseSubscription(at(T0), { subscriptionId: id!, until: null });
    expect(await resumeSubscription(at(T0, three), id!)).toBe(true);
    expect((await subscriptionsOf("caught"))[0]).toMatchObject({ status: "active", dueAt: null });

    await pauseSubscription(at(T0), { subscriptionId: id!, until: null });
    expect(await resumeSubscription(at(T0 + DAY), id!)).toBe(true);
    expect((await subscriptionsOf("caught"))[0]).toMatchObject({ status: "active", dueAt: T0 + DAY, nextPart: 4 });
  });

  it("a part that fell due during the pause goes no earlier than the resume", async () => {
    await seedReaders({ series: "fixture-four", count: 1, prefix: "late", dueAt: T0 });
    const [id] = await idsOf("late");
    await pauseSubscription(at(T0 - DAY), { subscriptionId: id!, until: null });
    await resumeSubscription(at(T0 + 3 * DAY), id!);
    expect((await subscriptionsOf("late"))[0]).toMatchObject({
      status: "active",
      dueAt: T0 + 3 * DAY,
      pausedUntil: null,
    });
  });

  it("resumes at most MAX_RESUMES_PER_RUN a run, oldest first; rows that left their pause another way only lose the date", async () => {
    await seedReaders({ series: "fixture-four", count: MAX_RESUMES_PER_RUN + 3, prefix: "many", dueAt: T0 });
    await env.DB.prepare(`UPDATE subscriptions SET status = 'paused', paused_until = ?1 + id`).bind(T0).run();
    // One left the series while paused: its date must not stay in the index for ever.
    const [first] = await idsOf("many");
    await env.DB.prepare(`UPDATE subscriptions SET status = 'stopped' WHERE id = ?1`).bind(first).run();

    const run = await runCycleAt(T0 + DAY, { maxBatches: 0 });
    expect(run.d1.rowsWritten).toBeGreaterThan(0);
    const rows = await subscriptionsOf("many");
    expect(rows.filter((s) => s.pausedUntil === null)).toHaveLength(MAX_RESUMES_PER_RUN);
    expect(rows.find((s) => s.id === first)).toMatchObject({ status: "stopped", pausedUntil: null });
    expect(rows.filter((s) => s.status === "active")).toHaveLength(MAX_RESUMES_PER_RUN - 1);
    await runCycleAt(T0 + DAY, { maxBatches: 0 });
    expect((await subscriptionsOf("many")).filter((s) => s.status === "paused")).toHaveLength(0);
  });

  it("the resume reads only pauses that ended, through their index", async () => {
    expect((await explain(sql.resumePaused, [T0, "{}", 10])).join(" | ")).toMatch(
      /SEARCH subscriptions USING (COVERING )?INDEX subscriptions_paused_until_idx \(paused_until<\?\)/,
    );
  });
});

import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { readConfig } from "../../worker/config";
import { D1Meter } from "../../worker/delivery/d1-meter";
import { RETENTION_CHUNK_ROWS, retentionPolicy } from "../../worker/retention/policy";
import { runRetentionChunks } from "../../worker/retention/run-retention";
import { recordingD1 } from "../helpers/recording-d1";
import { resetDatabase, runCycleAt, seedReaders } from "../helpers/delivery-helpers";
import { countRows } from "../helpers/rows";

/** A run is a fixed number of bounded statements, whatever the backlog; runs racing each other remove each row once. */
beforeEach(resetDatabase);

const T = Date.UTC(2026, 0, 12, 8, 0);
const policy = { ...retentionPolicy(readConfig(env)), chunksPerRun: 2 };
const NOW = T + Math.max(policy.webhookEventsMs, policy.deliveriesMs);
/**
 * One probe per table, then a round with every table busy: webhook events 1, deliveries 6, clicks 1, signups 4,
 * imports 3, outbox 1, feedback dead letters 1, rate counters 1.
 */
const PROBES = 8;

/** 1,300 webhook events and 1,100 emails (11 batches) sent at T: more than two runs' worth of chunks. */
async function backlog() {
  await env.DB.prepare(
    `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1300)
     INSERT INTO webhook_events (id, type, received_at) SELECT 'msg_' || i, 'email.delivered', ?1 FROM n`,
  )
    .bind(T)
    .run();
  await seedReaders({ series: "fixture-four", count: 1100, prefix: "chunk", dueAt: T });
  expect((await runCycleAt(T)).sent).toBe(1100);
}

describe("bounded chunks", () => {
  it("a run deletes at most RETENTION_CHUNKS_PER_RUN chunks per table, no statement touching more than 500 rows; the next run goes on", async () => {
    await backlog();
    const first = recordingD1(env.DB);
    const run1 = await runRetentionChunks(new D1Meter(first.db), { policy, now: NOW });
    // The probes find two tables with work; each round runs their chunks in one batch, again while they fill them.
    expect(first.counts).toEqual({ calls: 3, statements: PROBES + 2 * (1 + 6) });
    expect(run1).toMatchObject({ chunks: 2, errors: [] });
    expect(run1.rows).toMatchObject({
      webhook_events: 2 * RETENTION_CHUNK_ROWS,
      deliveries: 2 * RETENTION_CHUNK_ROWS,
      batches: 10,
    });
    expect(Math.max(...first.writes.statements.map((s) => s.changes))).toBeLessThanOrEqual(RETENTION_CHUNK_ROWS);
    expect([await countRows("webhook_events"), await countRows("deliveries"), await countRows("batches")]).toEqual([
      300, 100, 1,
    ]);

    const second = recordingD1(env.DB);
    const run2 = await runRetentionChunks(new D1Meter(second.db), { policy, now: NOW });
    expect(second.counts).toEqual({ calls: 2, statements: PROBES + 1 + 6 });
    expect(run2.rows).toMatchObject({ webhook_events: 300, deliveries: 100, batches: 1 });
    expect([await countRows("webhook_events"), await countRows("deliveries"), await countRows("batches")]).toEqual([
      0, 0, 0,
    ]);
    expect(await countRows("received_parts")).toBe(1100);
    expect(await countRows("delivery_archive")).toBe(11);

    // Nothing left: one round trip, six index probes that find nothing.
    const idle = recordingD1(env.DB);
    const run3 = await runRetentionChunks(new D1Meter(idle.db), { policy, now: NOW });
    expect(idle.counts).toEqual({ calls: 1, statements: PROBES });
    expect(run3).toMatchObject({ chunks: 0, errors: [] });
    expect(Object.values(run3.rows).every((n) => n === 0)).toBe(true);
    expect(run3.d1.rowsRead, JSON.stringify(idle.writes.statements)).toBeLessThanOrEqual(2 * PROBES);
  });

  it("dead letters and rate counters go 500 at a time, the oldest first; the next run goes on", async () => {
    const DAY = 86_400_000;
    await env.DB.batch(["feedback_dead_letters", "rate_counters"].map((t) => env.DB.prepare(`DELETE FROM ${t}`)));
    const now = T + Math.max(policy.feedbackDeadLettersMs, policy.rateCountersMs) + DAY;
    // 1,100 of each past its window, one a millisecond older than the next, and one inside it.
    await env.DB.batch([
      env.DB.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1100)
         INSERT INTO feedback_dead_letters (id, dead_at) SELECT 'dl_' || i, ?1 - i FROM n`,
      ).bind(T),
      env.DB.prepare(
        `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1100)
         INSERT INTO rate_counters (name, window_start, count) SELECT 'confirm-domain:d' || i || '.example', ?1 - i, 1 FROM n`,
      ).bind(T),
      env.DB.prepare(`INSERT INTO feedback_dead_letters (id, dead_at) VALUES ('dl_new', ?1)`).bind(now),
      env.DB.prepare(`INSERT INTO rate_counters (name, window_start, count) VALUES ('test-send', ?1, 1)`).bind(now),
    ]);
    const first = recordingD1(env.DB);
    const run1 = await runRetentionChunks(new D1Meter(first.db), { policy, now });
    expect(first.counts).toEqual({ calls: 3, statements: PROBES + 2 * 2 });
    expect(run1.rows).toMatchObject({ feedback_dead_letters: 1000, rate_counters: 1000 });
    expect(Math.max(...first.writes.statements.map((s) => s.changes))).toBeLessThanOrEqual(RETENTION_CHUNK_ROWS);
    // The oldest went first: what is left is the newest hundred past the window, and the row inside it.
    expect(await countRows("feedback_dead_letters", `dead_at > ${T - 101}`)).toBe(101);
    expect(await countRows("feedback_dead_letters")).toBe(101);
    expect(await countRows("rate_counters", `window_start > ${T - 101}`)).toBe(101);
    expect(await countRows("rate_counters")).toBe(101);

    const run2 = await runRetentionChunks(new D1Meter(env.DB), { policy, now });
    expect(run2.rows).toMatchObject({ feedback_dead_letters: 100, rate_counters: 100 });
    expect(await countRows("feedback_dead_letters", "id = 'dl_new'")).toBe(1);
    expect(await countRows("rate_counters", "name = 'test-send'")).toBe(1);
  });

  it("RETENTION_CHUNKS_PER_RUN = 0 turns it off: not one statement", async () => {
    await backlog();
    const off = recordingD1(env.DB);
    expect(
      (await runRetentionChunks(new D1Meter(off.db), { policy: { ...policy, chunksPerRun: 0 }, now: NOW })).chunks,
    ).toBe(0);
    expect(off.counts).toEqual({ calls: 0, statements: 0 });
  });

  it("two runs at once remove every row once: the compact form holds each email once", async () => {
    await backlog();
    const runs = await Promise.all(
      [0, 1].map(() => runRetentionChunks(new D1Meter(env.DB), { policy: { ...policy, chunksPerRun: 10 }, now: NOW })),
    );
    expect(runs.flatMap((run) => run.errors)).toEqual([]);
    expect(runs[0]!.rows.webhook_events + runs[1]!.rows.webhook_events).toBe(1300);
    expect(runs[0]!.rows.deliveries + runs[1]!.rows.deliveries).toBe(1100);
    const { results } = await env.DB.prepare("SELECT parts FROM received_parts").all<{ parts: string }>();
    expect(results).toHaveLength(1100);
    expect(results.every((row) => /^,\d+[a-z]\d+$/.test(row.parts))).toBe(true); // one entry each
    const archived = await env.DB.prepare("SELECT sum(length(subscription_ids)) / 4 AS n FROM delivery_archive").first<{
      n: number;
    }>();
    expect(archived!.n).toBe(1100);
  });

  it("a table whose chunk fails is left for the next run; the others go on", async () => {
    await backlog();
    // The slimming's insert of runs fails (as if its table were gone): every batch holding it fails with it.
    const { db: failing } = recordingD1(env.DB, {
      prepareAs: (query) =>
        query.includes("INSERT INTO delivery_archive") ? "INSERT INTO gone (a, b) VALUES (?1, ?2)" : query,
    });
    const run = await runRetentionChunks(new D1Meter(failing), { policy, now: NOW });
    expect(run.errors).toEqual([{ task: "deliveries", message: expect.stringMatching(/no such table: gone/) }]);
    expect(run.rows).toMatchObject({ webhook_events: 2 * RETENTION_CHUNK_ROWS, deliveries: 0 });
    expect(await countRows("deliveries")).toBe(1100);
    const next = await runRetentionChunks(new D1Meter(env.DB), { policy: { ...policy, chunksPerRun: 10 }, now: NOW });
    expect(next.rows).toMatchObject({ webhook_events: 300, deliveries: 1100 });
  });
});

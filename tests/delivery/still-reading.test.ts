import { env } from "cloudflare:workers";
import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { findSeries } from "../../worker/content/catalog";
import { sql, type BatchMember } from "../../worker/delivery/delivery-queries";
import { recordSentBatch } from "../../worker/delivery/record-batch";
import { runReadingChecks } from "../../worker/reengage/run-reading-checks";
import { CHECKS_PER_RUN } from "../../worker/reengage/send-reading-checks";
import { reengageSql } from "../../worker/reengage/reengage-queries";
import { pauseReason } from "../../worker/reengage/rules";
import { saveResponse } from "../../worker/actions/action-responses";
import { consumeClicks } from "../helpers/click-helpers";
import { dashboardGet, signIn } from "../dashboard/dashboard-helpers";
import {
  DAY,
  HOUR,
  deliveryContextAt,
  mockResend,
  resetDatabase,
  runCycleAt,
  seedReaders,
} from "../helpers/delivery-helpers";
import { faultyBatches, type BoundStatement } from "../helpers/recording-d1";
import type { FaultStats } from "../helpers/fault-run";
import type { Mailer } from "../../worker/mail/create-mailer";
import {
  CHECK_SUBJECT,
  REENGAGE_SERIES,
  checksOf,
  deliveryOf,
  keepLinkOf,
  mailOf,
  personClick,
  reengageCounters,
  tick,
  tickThrough,
} from "../helpers/reading-check-helpers";
import { adminFetch, escapeHtml, postForm } from "../helpers/route-helpers";
import { countRows, findSubscriber, outboxFor, subscriptionsOf } from "../helpers/rows";
import { testDeps } from "../helpers/test-deps";

/**
 * The "Still reading?" rule on the simulated clock, through the cron's own steps. fixture-reengage sends a part a
 * day (part 1 at T0) and asks after 3 quiet parts, a day after the third; 3 days to answer. T0 lies after the real
 * clock, so a press of the keep button (the route's own clock) is never taken for a later sign of reading.
 */
const T0 = Date.UTC(2030, 1, 4, 12, 0);
const STEP = 3 * HOUR;
const RULE = findSeries(REENGAGE_SERIES)!.reengage!;
const partId = (n: number) => findSeries(REENGAGE_SERIES)!.parts[n - 1]!.id;
const parts = (...numbers: number[]) => numbers.map((n) => `p${n}`);

beforeEach(async () => {
  await resetDatabase();
  await env.DB.prepare("DELETE FROM series_days").run();
});

async function readers(prefix: string, count: number) {
  await seedReaders({ series: REENGAGE_SERIES, count, prefix, dueAt: T0 });
  return Array.from({ length: count }, (_, i) => `${prefix}${i + 1}@example.com`);
}

describe("a reader who shows no sign of reading", () => {
  it('gets one "Still reading?" after 3 parts, is paused 3 days after it, and gets nothing more', async () => {
    const emails = await readers("quiet", 3);
    await tickThrough(T0, T0 + 6 * DAY, STEP);
    const mail = await mailOf("quiet");
    // Asked a day after part 3, with part 4; parts went on through the grace; paused when it ended.
    for (const email of emails) expect(mail.get(email)).toEqual([...parts(1, 2, 3), "check", ...parts(4, 5, 6)]);

    const reader = (await findSubscriber(emails[0]!))!;
    const [subscription] = await subscriptionsOf(reader.id);
    expect(subscription).toMatchObject({ status: "paused", nextPart: 7, setAsideReason: pauseReason(RULE) });
    expect((await checksOf(reader.id)).map((check) => check.status)).toEqual(["paused"]);
    expect(await reengageCounters()).toEqual({ asked: 3, kept: 0, paused: 3 });

    // Paused: the next parts stay unsent however long the clock runs.
    await tickThrough(T0 + 6 * DAY + STEP, T0 + 12 * DAY, STEP);
    expect(await mailOf("quiet")).toEqual(mail);
  });

  it("is paused with the reason shown on their admin page, counted in GET /admin/api/stats and on the overview", async () => {
    const [email] = await readers("shown", 1);
    await tickThrough(T0, T0 + 6 * DAY, STEP);
    const reader = (await findSubscriber(email!))!;
    const session = await signIn();
    const overview = await (await dashboardGet("/admin", session)).text();
    expect(overview).toContain(
      escapeHtml(`"Still reading?" after 3 quiet parts, 3 days to answer: 1 asked, 0 kept, 1 paused unanswered`),
    );
    const page = await (await dashboardGet(`/admin/readers/${reader.id}`, session)).text();
    expect(page).toContain(escapeHtml(`paused, next part 7 of 8`));
    expect(page).toContain(escapeHtml(`paused: ${pauseReason(RULE)}`));
    expect(page).toContain(escapeHtml(`"Still reading?" after 3 quiet parts: sent`));

    const res = await adminFetch(`/admin/api/stats?series=${REENGAGE_SERIES}`);
    const body = (await res.json()) as { series: { subscribers: Record<string, number>; stillReading: unknown }[] };
    expect(body.series[0]!.stillReading).toEqual({
      rule: { afterParts: 3, graceDays: 3, countOpens: false },
      asked: 1,
      kept: 0,
      paused: 1,
    });
    expect(body.series[0]!.subscribers.paused).toBe(1);
  });

  it("is asked once per streak: the keep button starts a new one, and the next quiet streak asks again", async () => {
    const [email] = await readers("keep", 1);
    await tickThrough(T0, T0 + 3 * DAY, STEP);
    const [check] = (await outboxFor(email!)).filter((mail) => mail.subject === CHECK_SUBJECT);
    const keep = keepLinkOf(check!);
    expect((await postForm(new URL(keep).pathname, {})).status).toBe(200);
    const reader = (await findSubscriber(email!))!;
    expect((await subscriptionsOf(reader.id))[0]).toMatchObject({ status: "active", quietParts: 0 });

    await tickThrough(T0 + 3 * DAY + STEP, T0 + 11 * DAY, STEP);
    // Parts 5, 6 and 7 went unread: asked again a day after part 7, paused 3 days later.
    expect((await mailOf("keep")).get(email!)).toEqual([
      ...parts(1, 2, 3),
      "check",
      ...parts(4, 5, 6, 7),
      "check",
      "p8",
    ]);
    expect((await checksOf(reader.id)).map((c) => c.status)).toEqual(["kept", "paused"]);
    expect(await reengageCounters()).toEqual({ asked: 2, kept: 1, paused: 1 });
  });
});

describe("a sign of reading resets the streak", () => {
  it("a person's click before the streak completes: asked only after 3 quiet parts since", async () => {
    const [email] = await readers("click", 1);
    await tickThrough(T0, T0 + DAY, STEP);
    await consumeClicks([personClick(await deliveryOf("click", email!, partId(2)))]);
    expect((await subscriptionsOf("click"))[0]!.quietParts).toBe(0);
    await tickThrough(T0 + DAY + STEP, T0 + 9 * DAY, STEP);
    // Quiet again from part 3: asked a day after part 5, paused after part 8.
    expect((await mailOf("click")).get(email!)).toEqual([...parts(1, 2, 3, 4, 5), "check", ...parts(6, 7, 8)]);
  });

  it("a person's click during the grace: not paused, the parts go on (a new streak starts from it)", async () => {
    const [email] = await readers("grace", 1);
    await tickThrough(T0, T0 + 4 * DAY, STEP);
    await consumeClicks([personClick(await deliveryOf("grace", email!, partId(5)))]);
    await tickThrough(T0 + 4 * DAY + STEP, T0 + 8 * DAY, STEP);
    // Parts 6, 7 and 8 went unread after that click: a new streak, asked a day after part 8.
    expect((await mailOf("grace")).get(email!)).toEqual([...parts(1, 2, 3), "check", ...parts(4, 5, 6, 7, 8), "check"]);
    const reader = (await findSubscriber(email!))!;
    expect((await subscriptionsOf(reader.id))[0]!.status).toBe("active");
    expect((await checksOf(reader.id)).map((c) => c.status)).toEqual(["read", "sent"]);
    expect(await reengageCounters()).toEqual({ asked: 2, kept: 0, paused: 0 });
  });

  it("a person's click after the check is queued, before it goes: it is never sent", async () => {
    const [email] = await readers("early", 1);
    await tickThrough(T0, T0 + 2 * DAY, STEP); // part 3 recorded: the check is queued for T0 + 3 days
    expect((await checksOf((await findSubscriber(email!))!.id)).map((c) => c.status)).toEqual(["queued"]);
    await consumeClicks([personClick(await deliveryOf("early", email!, partId(3)))]);
    await tickThrough(T0 + 2 * DAY + STEP, T0 + 4 * DAY, STEP);
    expect((await mailOf("early")).get(email!)).toEqual(parts(1, 2, 3, 4, 5));
    expect((await checksOf((await findSubscriber(email!))!.id)).map((c) => c.status)).toEqual(["read"]);
  });

  it("a scanner's click is no sign: the streak goes on", async () => {
    const [email] = await readers("scan", 1);
    await tickThrough(T0, T0 + DAY, STEP);
    const delivery = await deliveryOf("scan", email!, partId(2));
    await consumeClicks([
      { ...personClick(delivery), reason: "user-agent" },
      { ...personClick(delivery, 2_000), reason: "head" },
    ]);
    expect((await subscriptionsOf("scan"))[0]!.quietParts).toBe(2);
  });

  it("a response to a part's call to action", async () => {
    const [email] = await readers("answer", 1);
    await tickThrough(T0, T0 + DAY, STEP);
    const delivery = await deliveryOf("answer", email!, partId(2));
    await saveResponse({ db: env.DB }, { delivery, body: "Part 2 was good.", now: T0 + DAY + HOUR });
    await tickThrough(T0 + DAY + STEP, T0 + 5 * DAY, STEP);
    expect((await mailOf("answer")).get(email!)).toEqual([...parts(1, 2, 3, 4, 5), "check", "p6"]);
  });

  it("a resume (the preference page's or the admin's) clears the pause's reason and starts a new streak", async () => {
    const [email] = await readers("resume", 1);
    await tickThrough(T0, T0 + 6 * DAY, STEP);
    const reader = (await findSubscriber(email!))!;
    const res = await adminFetch(`/admin/api/subscribers/${reader.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "active", series: REENGAGE_SERIES }),
    });
    expect(res.status).toBe(200);
    expect((await subscriptionsOf(reader.id))[0]).toMatchObject({
      status: "active",
      setAsideReason: null,
      quietParts: 0,
    });
    await tickThrough(T0 + 6 * DAY + STEP, T0 + 8 * DAY, STEP);
    expect((await mailOf("resume")).get(email!)).toEqual([...parts(1, 2, 3), "check", ...parts(4, 5, 6, 7, 8)]);
  });
});

describe("the rule off (the default)", () => {
  it("changes nothing: no check, no question, and the record runs no statement of the rule", async () => {
    await seedReaders({ series: "fixture-four", count: 3, prefix: "off", dueAt: T0 });
    const recorded: BoundStatement[][] = [];
    const db = faultyBatches(env.DB, (statements) => {
      if (statements.some((s) => s.query === sql.markBatchSent)) recorded.push(statements);
      return null;
    });
    await tickThrough(T0, T0 + 10 * DAY, STEP, undefined, { db });
    for (const received of (await mailOf("off")).values()) expect(received).toEqual(parts(1, 2, 3, 4));
    expect(recorded).toHaveLength(4);
    expect(recorded.flat().some((s) => s.query === reengageSql.askReaders)).toBe(false);
    expect(await countRows("reading_checks")).toBe(0);
    // The streak is still counted (O(1) on the row already written): turning the rule on later has history.
    expect((await subscriptionsOf("off")).map((s) => s.quietParts)).toEqual([4, 4, 4]);
  });

  it("an idle tick of the rule is two index probes, whatever the list's size", async () => {
    const idle = async () => (await runReadingChecks(testDeps({ clock: () => T0 }))).d1;
    const small = await idle();
    await seedReaders({ series: REENGAGE_SERIES, count: 3000, prefix: "idle", dueAt: T0 + 30 * DAY });
    await env.DB.prepare(
      `INSERT INTO reading_checks (subscription_id, subscriber_id, series, delivery_id, quiet_parts, status, next_at, created_at)
       SELECT id, subscriber_id, series, 0, 3, 'sent', ?1, 0 FROM subscriptions`,
    )
      .bind(T0 + DAY)
      .run();
    const large = await idle();
    for (const run of [small, large]) {
      expect(run).toMatchObject({ statements: 2, rowsWritten: 0 });
      expect(run.rowsRead).toBeLessThanOrEqual(2); // an index entry past the range at most
    }
  });
});

describe("what the rule costs", () => {
  /** The D1 cost of recording one batch of 100 readers' part `part` (the cycle's totals, less an idle tick's). */
  async function recordCost(series: string, prefix: string, part: number, quietParts: number) {
    await seedReaders({ series, count: 100, prefix, nextPart: part, dueAt: T0 });
    await env.DB.prepare("UPDATE subscriptions SET quiet_parts = ?2 WHERE series = ?1").bind(series, quietParts).run();
    await runCycleAt(T0 - DAY, { maxBatches: 0 }); // the series' state recorded: the measured run is sending only
    const idle = (await runCycleAt(T0 - DAY)).d1;
    const run = await runCycleAt(T0);
    expect(run.sent).toBe(100);
    return {
      statements: run.d1.statements - idle.statements,
      rowsRead: run.d1.rowsRead - idle.rowsRead,
      rowsWritten: run.d1.rowsWritten - idle.rowsWritten,
    };
  }

  it("at record time: one statement a batch, a row written per reader asked, nothing for a series without it", async () => {
    const off = await recordCost("fixture-four", "cost-off", 3, 2);
    await resetDatabase();
    const on = await recordCost(REENGAGE_SERIES, "cost-on", 2, 0); // no streak completes: nobody is asked
    await resetDatabase();
    const asking = await recordCost(REENGAGE_SERIES, "cost-ask", 3, 2); // every streak completes: 100 asked
    console.log(
      "record cost of 100 emails (statements, rows read, rows written):",
      JSON.stringify({ off, on, asking }),
    );
    expect(on.statements).toBe(off.statements + 1);
    expect(asking.statements).toBe(on.statements);
    // Asking writes the check and its index entries (about 5 rows a reader), never a scan.
    expect(asking.rowsWritten - on.rowsWritten).toBeGreaterThanOrEqual(100);
    expect(asking.rowsWritten - on.rowsWritten).toBeLessThanOrEqual(600);
    expect((asking.rowsRead - off.rowsRead) / 100).toBeLessThanOrEqual(6);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM reading_checks").first<{ n: number }>()).toEqual({ n: 100 });
  });

  it("in the cron: a few statements per email sent, ten a tick; the grace's end one read and one transaction per 100", async () => {
    await recordCost(REENGAGE_SERIES, "cron", 3, 2); // 100 readers asked, their checks due a day later
    const send = await runReadingChecks(testDeps({ clock: () => T0 + DAY }));
    expect(send.checks.sent).toBe(CHECKS_PER_RUN);
    let sent = send.checks.sent;
    for (let minute = 1; sent < 100; minute++)
      sent += (await runReadingChecks(testDeps({ clock: () => T0 + DAY + minute * 60_000 }))).checks.sent;
    const end = await runReadingChecks(testDeps({ clock: () => T0 + 5 * DAY }));
    console.log(
      "cron cost (statements, rows read, rows written): 10 sent",
      JSON.stringify(send.d1),
      "100 graces ended",
      JSON.stringify(end.d1),
    );
    // Per email: its lease, its record (a counter and the mark); the outbox mailer's own statements aside.
    expect(end.graces).toEqual({ paused: 100, read: 0, closed: 0 });
    expect(end.d1.statements).toBe(2 + 3); // the two probes, then count, close and pause in one transaction
    // A constant per check (primary-key probes in each statement), never a walk of the other checks.
    expect(end.d1.rowsRead / 100).toBeLessThanOrEqual(25);
  });
});

describe("exactly once", () => {
  it("a record run twice for the same batch, and two ticks at once, ask and send once", async () => {
    const emails = await readers("twice", 4);
    await tickThrough(T0, T0 + 2 * DAY, STEP);
    // The batch of part 3 recorded again (as a retry after a crash would): no second check.
    const members = await env.DB.prepare(
      `SELECT id, subscription_id AS subscriptionId, subscriber_id AS subscriberId, series, part_id AS partId, part_number AS partNumber,
         to_email AS toEmail, to_name AS toName, timezone, batch_id AS batchId, provider_message_id AS providerId FROM deliveries WHERE part_id = ?1`,
    )
      .bind(partId(3))
      .all<BatchMember & { batchId: string; providerId: string }>();
    const ctx = deliveryContextAt(T0 + 2 * DAY + HOUR);
    await recordSentBatch(ctx, {
      batchId: members.results[0]!.batchId,
      members: members.results,
      ids: members.results.map((m) => m.providerId),
    });
    expect(await countRows("reading_checks")).toBe(4);
    await Promise.all([tick(T0 + 3 * DAY), tick(T0 + 3 * DAY)]);
    for (const email of emails)
      expect((await outboxFor(email)).filter((mail) => mail.subject === CHECK_SUBJECT)).toHaveLength(1);
    expect(await reengageCounters()).toMatchObject({ asked: 4 });
  });

  it("the database refuses a second open check for one subscription", async () => {
    const [email] = await readers("unique", 1);
    await tickThrough(T0, T0 + 2 * DAY, STEP);
    const [check] = await checksOf((await findSubscriber(email!))!.id);
    await expect(
      env.DB.prepare(
        `INSERT INTO reading_checks (subscription_id, subscriber_id, series, delivery_id, quiet_parts, status, created_at) VALUES (?1, ?2, ?3, 1, 3, 'sent', 0)`,
      )
        .bind(check!.subscriptionId, check!.subscriberId, check!.series)
        .run(),
    ).rejects.toThrow(/UNIQUE/);
  });
});

describe("the Worker's cron", () => {
  it("runs the rule each minute: a due check is emailed, a passed deadline pauses", async () => {
    const [asked, waiting] = await readers("cron", 2);
    await env.DB.prepare(
      `INSERT INTO reading_checks (subscription_id, subscriber_id, series, delivery_id, quiet_parts, status, next_at, created_at, sent_at)
       SELECT t.id, t.subscriber_id, t.series, 1, 3, CASE WHEN s.email = ?1 THEN 'queued' ELSE 'sent' END, 1000, 1000, 1000
       FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id WHERE s.email IN (?1, ?2)`,
    )
      .bind(asked, waiting)
      .run();
    await env.DB.prepare("UPDATE subscriptions SET due_at = NULL").run(); // no part due: only the rule acts
    const ctx = createExecutionContext();
    await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), env, ctx);
    await waitOnExecutionContext(ctx);
    expect((await outboxFor(asked!)).map((mail) => mail.subject)).toEqual([CHECK_SUBJECT]);
    expect((await subscriptionsOf((await findSubscriber(waiting!))!.id))[0]).toMatchObject({
      status: "paused",
      setAsideReason: pauseReason(RULE),
    });
  });
});

describe("under provider faults and crashes", () => {
  const provider = mockResend("still-reading");

  it('every quiet reader gets exactly one "Still reading?", however the sends fail, retry and overlap', async () => {
    await provider.reset();
    await provider.faults({ error500: 0.15, rateLimit: 0.05, acceptThenHang: 0.15, seed: 11 });
    const emails = await readers("fault", 12);
    const real = provider.mailer(250); // slower than 250 ms: an unknown outcome, retried under the same key
    const calls = new Map<string, number>();
    const resend: Mailer = {
      name: real.name,
      sendBatch: (emails, key) => {
        if (key.startsWith("still-reading/")) calls.set(key, (calls.get(key) ?? 0) + 1);
        return real.sendBatch(emails, key);
      },
    };
    // Every other record of a sent check fails: refused (lost, as if the Worker died after the provider took it),
    // or committed and then thrown (the Worker died right after).
    let records = 0;
    const db = faultyBatches(env.DB, (statements) => {
      if (!statements.some((s) => s.query === reengageSql.markSent)) return null;
      records++;
      return records % 4 === 1 ? "refuse" : records % 4 === 3 ? "crash" : null;
    });
    const deps = { db, mailer: resend };
    for (let now = T0; now <= T0 + 9 * DAY; now += STEP) {
      // Two overlapping cron ticks at once: each check is leased by one of them.
      const ticks = await Promise.allSettled([
        runReadingChecks(testDeps({ clock: () => now, ...deps })),
        runReadingChecks(testDeps({ clock: () => now, ...deps })),
      ]);
      for (const result of ticks) if (result.status === "rejected") throw result.reason;
      await runCycleAt(now, {}, deps);
    }
    await provider.faults({});
    await tickThrough(T0 + 9 * DAY + STEP, T0 + 11 * DAY, STEP, undefined, { mailer: resend });

    const accepted = (await provider.sent()).filter((mail) => mail.subject === CHECK_SUBJECT);
    const stats = (await provider.stats()) as unknown as FaultStats;
    expect(records).toBeGreaterThanOrEqual(4);
    // Some checks took several calls (lost records, unknown outcomes), each under its one key.
    expect(calls.size).toBe(12);
    expect([...calls.values()].filter((n) => n > 1).length).toBeGreaterThan(0);
    expect(stats.replays).toBeGreaterThan(0); // a lost record was retried, answered from the key
    expect(stats.conflicts).toBe(0); // a retried check email was byte-identical
    expect(stats.faults500 + stats.hangs).toBeGreaterThan(0);
    for (const email of emails)
      expect(
        accepted.filter((mail) => mail.to === email),
        email,
      ).toHaveLength(1);
    expect(await reengageCounters()).toEqual({ asked: 12, kept: 0, paused: 12 });
  }, 120_000);
});

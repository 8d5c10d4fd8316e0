import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { findSeries } from "../../worker/content/catalog";
import { D1Meter } from "../../worker/delivery/d1-meter";
import type { ImportChunkMessage } from "../../worker/env";
import { createOutboxMailer } from "../../worker/mail/outbox-mailer";
import { readGrowth } from "../../worker/stats/read-growth";
import { confirmConsent } from "../../worker/subscribers/confirm";
import { parseImportCsv } from "../../worker/subscribers/import/parse-import-csv";
import { processImportChunk } from "../../worker/subscribers/import/process-import-chunk";
import { startImport } from "../../worker/subscribers/import/start-import";
import { subscribe } from "../../worker/subscribers/subscribe";
import { unsubscribe } from "../../worker/subscribers/unsubscribe";
import { CONFIRM_TOKEN_TTL_MS } from "../../worker/tokens";
import { importCsv } from "../helpers/import-helpers";
import { readerTokenOf } from "../helpers/reader-helpers";
import {
  confirmVia,
  DEFAULT_SERIES,
  ONE_CLICK,
  postForm,
  signUp,
  signUpAndConfirm,
  uniqueEmail,
} from "../helpers/route-helpers";
import { recordingD1 } from "../helpers/recording-d1";
import { consentsOf, findSubscriber } from "../helpers/rows";
import { testDeps, testDepsAt } from "../helpers/test-deps";
import { resendEvent, sendEvent, sentReaders, WEBHOOK_SERIES } from "../helpers/webhook-helpers";

/** Every counter row by series and day, as "series day: signups/confirmations/unsubscribes" (each test starts from none). */
async function counters(): Promise<string[]> {
  const { results } = await env.DB.prepare("SELECT * FROM series_days ORDER BY series, day").all<{
    series: string;
    day: string;
    signups: number;
    confirmations: number;
    unsubscribes: number;
  }>();
  return results.map((r) => `${r.series} ${r.day}: ${r.signups}/${r.confirmations}/${r.unsubscribes}`);
}

const today = () => new Date().toISOString().slice(0, 10);
const OTHER = "fixture-four";

beforeEach(async () => {
  await env.DB.prepare("DELETE FROM series_days").run();
});

describe("signups and confirmations", () => {
  it("a signup counts once while its link waits; its confirm counts once, however often it is pressed", async () => {
    const signed = await signUp(uniqueEmail("grow-signup"));
    expect(await counters()).toEqual([`${DEFAULT_SERIES} ${today()}: 1/0/0`]);
    // The form sent again while the first link waits: a second email, not a second signup.
    await signUp(signed.email);
    expect(await consentsOf(signed.subscriber.id)).toHaveLength(2);
    expect(await counters()).toEqual([`${DEFAULT_SERIES} ${today()}: 1/0/0`]);

    const link = (await signUp(signed.email)).confirmLink;
    expect((await confirmVia(link)).status).toBe(200);
    expect((await postForm(new URL(link).pathname, {})).status).toBe(200); // pressed again (a second tab): "already confirmed"
    expect(await counters()).toEqual([`${DEFAULT_SERIES} ${today()}: 1/1/0`]);
  });

  it("asking again once the link has expired (7 days) is a new signup", async () => {
    const email = uniqueEmail("grow-expired");
    const signup = (at: number) =>
      subscribe(testDepsAt(at, { mailer: createOutboxMailer(env.DB) }), {
        email,
        series: findSeries(OTHER)!,
        form: "api",
      });
    const t0 = Date.UTC(2026, 2, 1, 12);
    const hour = 60 * 60 * 1000;
    expect(await signup(t0)).toBe("confirmation_sent");
    expect(await signup(t0 + hour)).toBe("confirmation_sent"); // the first link still works: not counted
    expect(await signup(t0 + hour + CONFIRM_TOKEN_TTL_MS + 1)).toBe("confirmation_sent"); // the newest link has expired
    expect(await counters()).toEqual([`${OTHER} 2026-03-01: 1/0/0`, `${OTHER} 2026-03-08: 1/0/0`]);
  });

  it("each series a reader asks for counts in that series; an active reader asking again counts nothing", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("grow-two"));
    await signUpAndConfirm(reader.email, { series: OTHER });
    expect(await counters()).toEqual([`${OTHER} ${today()}: 1/1/0`, `${DEFAULT_SERIES} ${today()}: 1/1/0`]);
    const again = await postForm("/subscribe", { email: reader.email }); // already reading it: no email, no count
    expect(again.status).toBe(200);
    expect(await counters()).toEqual([`${OTHER} ${today()}: 1/1/0`, `${DEFAULT_SERIES} ${today()}: 1/1/0`]);
  });

  it("a confirm that loses its race to an unsubscribe counts nothing", async () => {
    const signed = await signUp(uniqueEmail("grow-race"));
    const [consent] = await consentsOf(signed.subscriber.id);
    // The unsubscribe lands between the confirm's reads and its batch (wrapped D1: no hook in the Worker).
    const { db: racing } = recordingD1(env.DB, {
      onBatch: async (_statements, run) => {
        await unsubscribe(testDeps(), { subscriberId: signed.subscriber.id, source: "link" });
        return run();
      },
    });
    expect((await confirmConsent(testDeps({ db: racing }), consent!.id)).kind).toBe("used");
    // The signup counted; its pending subscription was never on the list, so its stop is no unsubscribe.
    expect(await counters()).toEqual([`${DEFAULT_SERIES} ${today()}: 1/0/0`]);
  });
});

describe("unsubscribes", () => {
  it("count once in every series the reader was reading, however often the link is pressed", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("grow-unsub"));
    await signUpAndConfirm(reader.email, { series: OTHER });
    // Asked for a third series but never confirmed: not on that list, so not counted as leaving it.
    await signUp(reader.email, { series: "fixture-windowed" });
    await env.DB.prepare("DELETE FROM series_days").run();

    const token = await readerTokenOf(reader.subscriber.id);
    expect((await postForm(`/u/${token}`, ONE_CLICK, { origin: null })).status).toBe(200);
    const counted = [`${OTHER} ${today()}: 0/0/1`, `${DEFAULT_SERIES} ${today()}: 0/0/1`];
    expect(await counters()).toEqual(counted);
    // Replayed: the one-click again, then the page's button.
    expect((await postForm(`/u/${token}`, ONE_CLICK, { origin: null })).status).toBe(200);
    expect((await postForm(`/u/${token}`, "")).status).toBe(303);
    expect(await counters()).toEqual(counted);
  });

  it("a returning reader counts again: a signup, a confirmation, and a later unsubscribe", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("grow-back"));
    const token = await readerTokenOf(reader.subscriber.id);
    expect((await postForm(`/u/${token}`, ONE_CLICK, { origin: null })).status).toBe(200);
    expect((await postForm(`/resubscribe/${token}`, "")).status).toBe(200);
    const consent = (await consentsOf(reader.subscriber.id)).at(-1)!;
    expect((await confirmConsent(testDeps(), consent.id)).kind).toBe("confirmed_now");
    expect(await counters()).toEqual([`${DEFAULT_SERIES} ${today()}: 2/2/1`]);
  });

  it("an unsubscribe voids a waiting link: asking for the series again afterwards is a new signup", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("grow-void"));
    await signUp(reader.email, { series: OTHER }); // waits for its click…
    const token = await readerTokenOf(reader.subscriber.id);
    expect((await postForm(`/u/${token}`, ONE_CLICK, { origin: null })).status).toBe(200); // …which can no longer confirm it
    await env.DB.prepare("DELETE FROM series_days").run();
    await signUp(reader.email, { series: OTHER });
    expect(await counters()).toEqual([`${OTHER} ${today()}: 1/0/0`]);
  });

  it("a paused reader who unsubscribes counts; a bounce or a complaint does not (the funnel counts those)", async () => {
    const paused = await signUpAndConfirm(uniqueEmail("grow-paused"));
    await env.DB.prepare("UPDATE subscriptions SET status = 'paused' WHERE subscriber_id = ?1")
      .bind(paused.subscriber.id)
      .run();
    await unsubscribe(testDeps(), { subscriberId: paused.subscriber.id, source: "link" });
    expect(await counters()).toEqual([`${DEFAULT_SERIES} ${today()}: 1/1/1`]);

    await env.DB.prepare("DELETE FROM series_days").run();
    const [bounced, complained] = await sentReaders("grow-suppressed", 2);
    for (const [type, reader] of [
      ["email.bounced", bounced!],
      ["email.complained", complained!],
    ] as const) {
      const { res, body } = await sendEvent(resendEvent(type, reader.messageId, reader.email));
      expect(res.status).toBe(200);
      expect(body).toMatchObject({ received: true });
    }
    const stopped = await env.DB.prepare(
      "SELECT count(*) AS n FROM subscriptions t JOIN subscribers s ON s.id = t.subscriber_id WHERE s.email_key LIKE 'grow-suppressed%' AND t.series = ?1 AND t.status = 'stopped'",
    )
      .bind(WEBHOOK_SERIES)
      .first<{ n: number }>();
    expect(stopped!.n).toBe(2);
    expect(await counters()).toEqual([]);
  });
});

describe("an import", () => {
  it("counts readers with stated consent as confirmations and the others as signups; their confirm counts later", async () => {
    const job = await importCsv(
      [
        "email,name,timezone,series,consented_at,consent_source",
        "grow-imp-1@example.com,,,fixture-four,2026-01-15T09:00:00Z,old list",
        "grow-imp-2@example.com,,,fixture-four,2026-01-15T09:00:00Z,old list",
        "grow-imp-2@example.com,,,,2026-01-15T09:00:00Z,old list", // the same reader, the default series
        "grow-imp-3@example.com,,,fixture-four,,", // pending: a confirmation email is queued
        "GROW-IMP-1@example.com,,,fixture-four,,", // a duplicate row
        "not-an-address,,,,,",
      ].join("\n"),
    );
    expect(job).toMatchObject({ active: 3, pending: 1, skipped: 2 });
    expect(await counters()).toEqual([`${OTHER} ${today()}: 1/2/0`, `${DEFAULT_SERIES} ${today()}: 0/1/0`]);

    const pending = (await findSubscriber("grow-imp-3@example.com"))!;
    const [consent] = await consentsOf(pending.id);
    expect((await confirmConsent(testDeps(), consent!.id)).kind).toBe("confirmed_now");
    expect(await counters()).toEqual([`${OTHER} ${today()}: 1/3/0`, `${DEFAULT_SERIES} ${today()}: 0/1/0`]);
  });

  it("a chunk delivered more than once counts once", async () => {
    const parsed = parseImportCsv(
      "email,consented_at,consent_source\ngrow-re-1@example.com,2026-01-01,form\ngrow-re-2@example.com,,\n",
      DEFAULT_SERIES,
    );
    if (!parsed.ok) throw new Error(parsed.message);
    const messages: ImportChunkMessage[] = [];
    const holding = {
      sendBatch: async (batch: { body: ImportChunkMessage }[]) => void messages.push(...batch.map((m) => m.body)),
    } as unknown as Queue<ImportChunkMessage>;
    const started = await startImport({ ...testDeps(), env: { IMPORT_QUEUE: holding } }, { rows: parsed.rows });
    expect(started.kind).toBe("started");
    // Two deliveries at once, on the same clock (the claim decides), then a late one.
    const now = Date.now();
    const results = await Promise.all([1, 2].map(() => processImportChunk(testDepsAt(now), messages[0]!)));
    expect(results.map((result) => result.kind).sort()).toEqual(["already_done", "written"]);
    expect((await processImportChunk(testDeps(), messages[0]!)).kind).toBe("already_done");
    expect(await counters()).toEqual([`${DEFAULT_SERIES} ${today()}: 1/1/0`]);
  });
});

describe("the day boundary is midnight UTC", () => {
  const series = findSeries(OTHER)!;
  const lastMs = Date.UTC(2026, 0, 5, 23, 59, 59, 999);
  const midnight = Date.UTC(2026, 0, 6);

  it("a signup at 23:59:59.999 UTC and its confirm at 00:00 count on two days; the window ends today", async () => {
    const email = uniqueEmail("grow-midnight");
    expect(
      await subscribe(testDepsAt(lastMs, { mailer: createOutboxMailer(env.DB) }), { email, series, form: "api" }),
    ).toBe("confirmation_sent");
    const [consent] = await consentsOf((await findSubscriber(email))!.id);
    expect((await confirmConsent(testDepsAt(midnight), consent!.id)).kind).toBe("confirmed_now");
    await unsubscribe(testDepsAt(midnight + 24 * 60 * 60 * 1000 - 1), {
      subscriberId: consent!.subscriberId,
      source: "link",
    });
    expect(await counters()).toEqual([`${OTHER} 2026-01-05: 1/0/0`, `${OTHER} 2026-01-06: 0/1/1`]);

    // Read at the last millisecond of the 5th, the window ends on the 5th; a millisecond later, on the 6th.
    const before = await readGrowth({ meter: new D1Meter(env.DB), clock: () => lastMs }, { days: 30, series: OTHER });
    expect(before).toMatchObject({ days: 30, from: "2025-12-07", to: "2026-01-05" });
    expect(before.series[0]!.totals).toEqual({ signups: 1, confirmations: 0, unsubscribes: 0 });
    const after = await readGrowth({ meter: new D1Meter(env.DB), clock: () => midnight }, { days: 30, series: OTHER });
    expect(after).toMatchObject({ from: "2025-12-08", to: "2026-01-06" });
    expect(after.series[0]!.days).toHaveLength(30);
    expect(after.series[0]!.days.slice(-2)).toEqual([
      { day: "2026-01-05", signups: 1, confirmations: 0, unsubscribes: 0 },
      { day: "2026-01-06", signups: 0, confirmations: 1, unsubscribes: 1 },
    ]);
  });

  it("30 days hold today and the 29 before; 90 days reach further; other series stay out", async () => {
    await env.DB.batch(
      [
        ["2025-10-08", 7], // 90 days before the 6th of January: just outside the 90-day window
        ["2025-10-09", 5], // the 90-day window's first day
        ["2025-12-07", 3], // the day before the 30-day window
        ["2025-12-08", 2], // the 30-day window's first day
      ].map(([day, n]) =>
        env.DB.prepare(
          "INSERT INTO series_days (series, day, signups) VALUES (?1, ?2, ?3), ('fixture-windowed', ?2, 100)",
        ).bind(OTHER, day, n),
      ),
    );
    const month = await readGrowth({ meter: new D1Meter(env.DB), clock: () => midnight }, { days: 30, series: OTHER });
    expect(month.series.map((s) => [s.series, s.totals.signups])).toEqual([[OTHER, 2]]);
    expect(month.series[0]!.days[0]).toEqual({ day: "2025-12-08", signups: 2, confirmations: 0, unsubscribes: 0 });
    const quarter = await readGrowth(
      { meter: new D1Meter(env.DB), clock: () => midnight },
      { days: 90, series: OTHER },
    );
    expect(quarter).toMatchObject({ from: "2025-10-09", to: "2026-01-06" });
    expect(quarter.series[0]!.days).toHaveLength(90);
    expect(quarter.series[0]!.totals.signups).toBe(10);
  });
});

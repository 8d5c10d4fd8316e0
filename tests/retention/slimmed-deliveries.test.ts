import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { CatalogIndex } from "../../worker/content/catalog";
import { compiledCatalog } from "../../worker/content/catalog";
import type { CompiledSeries } from "../../worker/content/types";
import { findDelivery } from "../../worker/delivery/find-delivery";
import { D1Meter } from "../../worker/delivery/d1-meter";
import { readConfig } from "../../worker/config";
import { retentionPolicy } from "../../worker/retention/policy";
import { runRetention, runRetentionChunks } from "../../worker/retention/run-retention";
import { DAY, editCatalog, mockResend, resetDatabase, runCycleAt, seedReaders } from "../helpers/delivery-helpers";
import { countRows, deliveriesOf, subscriptionsOf } from "../helpers/rows";
import { testDeps } from "../helpers/test-deps";

/**
 * Deliveries slimmed into the compact form (received_parts, delivery_archive): what each reader received stays
 * the exactly-once guard and the catalog edits' input. Asserted from the provider's side (the mock Resend).
 */
beforeEach(resetDatabase);

const SERIES = "fixture-four"; // parts fixture-part-1…4, delays 0, 1 day, 2 days, 1 day
const [P1, P2, P3, P4] = ["fixture-part-1", "fixture-part-2", "fixture-part-3", "fixture-part-4"];
const EXTRA = "fixture-extra";
const T0 = Date.UTC(2026, 0, 5, 12, 0);
const WINDOW = readConfig(env).retainDeliveriesDays * DAY;

const original = compiledCatalog.findSeries(SERIES)!;
const byId = new Map(original.parts.map((part) => [part.id, part]));
byId.set(EXTRA, {
  ...byId.get(P2)!,
  id: EXTRA,
  subject: "Fixture Four, extra",
  email: { ...byId.get(P2)!.email, subject: "Fixture Four, extra" },
});
const idBySubject = new Map([...byId.values()].map((part) => [part.email.subject, part.id]));

/** fixture-four with these parts in this order, as a deploy would give it. */
const withParts = (ids: string[]): CatalogIndex =>
  editCatalog(
    (series): CompiledSeries =>
      series.slug !== SERIES ? series : { ...series, parts: ids.map((id, i) => ({ ...byId.get(id)!, number: i + 1 })) },
  );

/** Retention as the cron runs it, but slimming deliveries one day after they were sent (the walk below is short). */
const slimAfterADay = (now: number) =>
  runRetentionChunks(new D1Meter(env.DB), {
    policy: { ...retentionPolicy(readConfig(env)), deliveriesMs: DAY },
    now: now,
  });

/** The parts each reader's emails carried, in the order the provider accepted them. */
async function receivedByReader(provider: ReturnType<typeof mockResend>) {
  const byReader = new Map<string, string[]>();
  for (const mail of (await provider.sent()).sort((a, b) => a.seq - b.seq))
    byReader.set(mail.to, [...(byReader.get(mail.to) ?? []), idBySubject.get(mail.subject)!]);
  return byReader;
}

const partStatsRows = async () =>
  (await env.DB.prepare("SELECT * FROM part_stats ORDER BY series, part_id").all()).results;

describe("slimming", () => {
  it("moves a sent batch into the compact form exactly RETAIN_DELIVERIES_DAYS after it was sent, not a millisecond before", async () => {
    await seedReaders({ series: SERIES, count: 3, prefix: "edge", dueAt: T0 });
    await runCycleAt(T0);
    const sent = await deliveriesOf("edge");
    expect(sent.map((d) => [d.status, d.sentAt])).toEqual([
      ["sent", T0],
      ["sent", T0],
      ["sent", T0],
    ]);
    const counters = await partStatsRows();

    expect((await runRetention(testDeps(), { now: T0 + WINDOW - 1 })).rows).toMatchObject({
      deliveries: 0,
      batches: 0,
    });
    expect(await deliveriesOf("edge")).toHaveLength(3);

    expect((await runRetention(testDeps(), { now: T0 + WINDOW })).rows).toMatchObject({ deliveries: 3, batches: 1 });
    expect(await deliveriesOf("edge")).toEqual([]);
    expect(await env.DB.prepare("SELECT count(*) AS n FROM batches").first()).toEqual({ n: 0 });
    // One run of consecutive ids: delivery first_id + k went to the k-th subscription id (4 bytes each).
    const { results: runs } = await env.DB.prepare(
      "SELECT first_id AS firstId, sent_at AS sentAt, hex(subscription_ids) AS ids FROM delivery_archive",
    ).all();
    const hex = sent.map((d) => d.subscriptionId.toString(16).toUpperCase().padStart(8, "0")).join("");
    expect(runs).toEqual([{ firstId: sent[0]!.id, sentAt: T0, ids: hex }]);
    const ref = (await env.DB.prepare("SELECT id FROM part_refs WHERE series = ?1 AND part_id = ?2")
      .bind(SERIES, P1)
      .first<{ id: number }>())!.id;
    const { results: received } = await env.DB.prepare(
      "SELECT parts FROM received_parts ORDER BY subscription_id",
    ).all();
    expect(received).toEqual(sent.map(() => ({ parts: `,${ref}s${Math.floor(T0 / DAY)}` })));
    // Counters are the funnel's record: retention never touches them. A second run finds nothing left to do.
    expect(await partStatsRows()).toEqual(counters);
    expect((await runRetention(testDeps(), { now: T0 + WINDOW })).rows.deliveries).toBe(0);
  });

  it("keeps each email's outcome (the furthest it got) and the day it left", async () => {
    await seedReaders({ series: SERIES, count: 6, prefix: "outcome", dueAt: T0 });
    await runCycleAt(T0);
    const ids = (await deliveriesOf("outcome")).map((d) => d.id);
    const marks = ["delivered_at", "opened_at", "human_clicked_at", "bounced_at", "complained_at"];
    // Delivery k has the first 5 - k marks (the last one none): each outcome letter once, highest first.
    await env.DB.batch(
      marks.flatMap((mark, m) =>
        ids
          .slice(0, 5 - m)
          .map((id) => env.DB.prepare(`UPDATE deliveries SET ${mark} = ?2 WHERE id = ?1`).bind(id, T0 + 1)),
      ),
    );
    await runRetention(testDeps(), { now: T0 + WINDOW });
    const { results } = await env.DB.prepare("SELECT parts FROM received_parts ORDER BY subscription_id").all<{
      parts: string;
    }>();
    expect(results.map((row) => row.parts.match(/^,\d+([a-z])\d+$/)![1])).toEqual(["x", "b", "c", "o", "d", "s"]);
  });
});

describe("exactly once and in order, with older deliveries slimmed", () => {
  it("each reader gets the next part, never one again, through a catalog edit that reorders and inserts behind them", async () => {
    const provider = mockResend("slimmed-walk");
    await provider.reset();
    const before = compiledCatalog;
    const after = withParts([P1, EXTRA, P3, P2, P4]);
    const EDIT_AT = T0 + 3 * DAY + DAY / 2;
    // Started at different times: when the edit lands some have every part, some are mid-way, some not started.
    for (const [prefix, start] of [
      ["early", T0],
      ["mid", T0 + 2 * DAY],
      ["late", T0 + 5 * DAY],
    ] as const) {
      await seedReaders({ series: SERIES, count: 3, prefix, dueAt: start });
    }
    const errors: unknown[] = [];
    let slimmed = 0;
    let beforeEdit: Map<string, string[]> | undefined;
    for (let now = T0; now <= T0 + 16 * DAY; now += DAY / 2) {
      if (now >= EDIT_AT && !beforeEdit) beforeEdit = await receivedByReader(provider);
      const summary = await runCycleAt(now, {}, { mailer: provider.mailer(), catalog: now < EDIT_AT ? before : after });
      errors.push(...summary.errors);
      const counters = await partStatsRows();
      slimmed += (await slimAfterADay(now)).rows.deliveries;
      expect(await partStatsRows()).toEqual(counters); // slimming never moves a counter
    }
    expect(errors).toEqual([]);
    expect(slimmed).toBe(9 * 5);
    expect(await countRows("deliveries")).toBe(0);

    // What each had before the edit, then the new order's parts they had not had, each once.
    const order = after.findSeries(SERIES)!.parts.map((part) => part.id);
    const received = await receivedByReader(provider);
    expect(received.size).toBe(9);
    for (const [email, parts] of received) {
      const had = beforeEdit!.get(email) ?? [];
      expect(parts, email).toEqual([...had, ...order.filter((id) => !had.includes(id))]);
    }
    expect(received.get("early1@example.com")).toEqual([P1, P2, P3, EXTRA, P4]);
    expect(received.get("mid1@example.com")).toEqual([P1, P2, EXTRA, P3, P4]);
    expect(received.get("late1@example.com")).toEqual(order);
    expect((await subscriptionsOf("")).every((row) => row.nextPart === 6 && row.dueAt === null)).toBe(true);
  });

  it("the database itself refuses a second delivery of a part that was slimmed", async () => {
    await seedReaders({ series: SERIES, count: 2, prefix: "twice", dueAt: T0 });
    await runCycleAt(T0);
    await runRetention(testDeps(), { now: T0 + WINDOW });
    const [first] = await subscriptionsOf("twice");
    const insert = env.DB.prepare(
      `INSERT INTO deliveries (subscription_id, subscriber_id, series, part_id, part_number, batch_id, status, to_email, created_at)
       VALUES (?1, ?2, ?3, ?4, 1, 'again', 'claimed', 'x@example.com', 0)`,
    );
    await expect(insert.bind(first!.id, first!.subscriberId, SERIES, P1).run()).rejects.toThrow(/received_parts/);
    // The next part is not theirs yet: allowed (rolled back below, it is no real send).
    await insert.bind(first!.id, first!.subscriberId, SERIES, P2).run();
    await env.DB.prepare("DELETE FROM deliveries WHERE batch_id = 'again'").run();

    // A position pointing back at a slimmed part (a bug, say) makes the claim fail, never send it twice.
    const provider = mockResend("slimmed-twice");
    await provider.reset();
    await env.DB.prepare("UPDATE subscriptions SET next_part = 1, due_at = ?1 WHERE id = ?2")
      .bind(T0 + WINDOW, first!.id)
      .run();
    const summary = await runCycleAt(T0 + WINDOW, {}, { mailer: provider.mailer() });
    expect(summary.sent).toBe(0);
    expect(summary.errors.map((e) => e.message).join()).toMatch(/received_parts/);
    expect(await provider.sent()).toEqual([]);
  });
});

describe("old links", () => {
  it("a slimmed delivery's id still names its reader, subscription, series and part; an id no email had names nobody", async () => {
    await seedReaders({ series: SERIES, count: 3, prefix: "ids", dueAt: T0 });
    await runCycleAt(T0);
    const sent = await deliveriesOf("ids");
    await runRetention(testDeps(), { now: T0 + WINDOW });
    for (const delivery of sent) {
      expect(await findDelivery({ db: env.DB }, delivery.id)).toEqual({
        id: delivery.id,
        subscriptionId: delivery.subscriptionId,
        subscriberId: delivery.subscriberId,
        series: SERIES,
        partId: P1,
        partNumber: 1,
        sentAt: T0,
      });
    }
    const last = sent[sent.length - 1]!.id;
    for (const id of [sent[0]!.id - 1, last + 1, last + 100, 0])
      expect(await findDelivery({ db: env.DB }, id)).toBeNull();
  });
});

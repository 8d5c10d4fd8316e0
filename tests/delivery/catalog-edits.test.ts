import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { CatalogIndex } from "../../worker/content/catalog";
import type { CompiledPart, CompiledSeries } from "../../worker/content/types";
import { claimBatch } from "../../worker/delivery/claim-batch";
import { QUEUED_LEASE_MS } from "../../worker/delivery/context";
import { sendBatch } from "../../worker/delivery/send-batch";
import {
  DAY,
  deliveryContextAt,
  editCatalog,
  mockResend,
  resetDatabase,
  runCycleAt,
  seedReaders,
} from "../helpers/delivery-helpers";
import { compiledCatalog } from "../../worker/content/catalog";
import { subscriptionsOf } from "../helpers/rows";

/**
 * Catalog edits deployed while batches are in flight (claimed and queued under the old catalog, sent by a
 * consumer running the new one). Semantics: every reader receives each part exactly once, in the series' current
 * order; the next part is the first one they have not received; an in-flight batch carries the part it was
 * claimed for (unless that part was removed: then it is skipped). Asserted over every reader from the provider's
 * side (the mock Resend), against the sequence those rules give.
 */
beforeEach(resetDatabase);

const SERIES = "fixture-four"; // parts fixture-part-1…4, delays 0, 1 day, 2 days, 1 day
const T0 = Date.UTC(2026, 0, 5, 12, 0);
const EDIT_AT = T0 + 3 * DAY;
const [P1, P2, P3, P4] = ["fixture-part-1", "fixture-part-2", "fixture-part-3", "fixture-part-4"];
const EXTRA = "fixture-extra";

const original = compiledCatalog.findSeries(SERIES)!;
const byId = new Map(original.parts.map((part) => [part.id, part]));
const extraPart: CompiledPart = {
  ...byId.get(P2)!,
  id: EXTRA,
  title: "Fixture extra",
  subject: "Fixture Four, extra",
  email: { ...byId.get(P2)!.email, subject: "Fixture Four, extra" },
};
byId.set(EXTRA, extraPart);
const idBySubject = new Map([...byId.values()].map((part) => [part.email.subject, part.id]));

/** fixture-four with these parts in this order (numbers follow the order, as the build gives them). */
function withParts(ids: string[], rename?: string): CatalogIndex {
  return editCatalog(
    (series): CompiledSeries =>
      series.slug !== SERIES
        ? series
        : {
            ...series,
            ...(rename && { slug: rename, aliases: [SERIES] }),
            parts: ids.map((id, i) => ({ ...byId.get(id)!, number: i + 1 })),
          },
  );
}

/** Readers at every stage when the edit lands: caught up, mid-way, in flight for parts 1–3, not started. */
const GROUPS: [prefix: string, startsAt: number][] = [
  ["done", T0 - 8 * DAY],
  ["g0", T0],
  ["g1", T0 + DAY],
  ["g2", T0 + 2 * DAY],
  ["g3", T0 + 3 * DAY],
  ["later", T0 + 6 * DAY],
];

async function scenario(name: string, after: CatalogIndex, order: "consumer first" | "cycle first") {
  const provider = mockResend(`catalog-${name}-${order.replace(" ", "-")}`);
  await provider.reset();
  const before = compiledCatalog;
  for (const [prefix, startsAt] of GROUPS) await seedReaders({ series: SERIES, count: 3, prefix, dueAt: startsAt });
  const errors: unknown[] = [];
  const cycle = async (now: number, catalog: CatalogIndex) => {
    const summary = await runCycleAt(now, {}, { mailer: provider.mailer(), catalog });
    errors.push(...summary.errors);
  };

  for (let now = T0 - 8 * DAY; now < EDIT_AT; now += DAY) await cycle(now, before);
  // In flight: claimed and queued under the old catalog, not yet sent.
  const queued = await claimBatch(deliveryContextAt(EDIT_AT, { mailer: provider.mailer(), catalog: before }), {
    size: 100,
    leaseMs: QUEUED_LEASE_MS,
    frozen: false,
  });
  expect(queued!.members.length).toBeGreaterThan(0);
  const inFlight = new Map(queued!.members.map((member) => [member.subscriptionId, member.partId]));
  const emailOf = new Map((await subscriptionsOf("")).map((row) => [row.id, row.email]));
  const received = async () => {
    const byReader = new Map<string, string[]>();
    for (const mail of (await provider.sent()).sort((a, b) => a.seq - b.seq)) {
      byReader.set(mail.to, [...(byReader.get(mail.to) ?? []), idBySubject.get(mail.subject) ?? mail.subject]);
    }
    return byReader;
  };
  const beforeEdit = await received();

  // The deploy: the consumer and the cron now run the new catalog, in either order.
  const consume = async () =>
    expect(["sent", "skipped"]).toContain(
      (
        await sendBatch(deliveryContextAt(EDIT_AT, { mailer: provider.mailer(), catalog: after }), {
          batchId: queued!.batchId,
        })
      ).kind,
    );
  if (order === "consumer first") await consume();
  else {
    await cycle(EDIT_AT, after);
    await consume();
  }
  for (let now = EDIT_AT; now <= EDIT_AT + 20 * DAY; now += DAY / 2) await cycle(now, after);

  const order_ = after.findSeries(SERIES)!.parts.map((part) => part.id);
  const afterEdit = await received();
  const readers = [...emailOf.entries()];
  expect(readers).toHaveLength(GROUPS.length * 3);
  for (const [subscriptionId, email] of readers) {
    const had = beforeEdit.get(email) ?? [];
    const carried = inFlight.get(subscriptionId);
    const first = carried && order_.includes(carried) ? [carried] : [];
    const expected = [...had, ...first, ...order_.filter((id) => !had.includes(id) && !first.includes(id))];
    expect(afterEdit.get(email) ?? [], `${email} (had ${had.join(",")}; in flight ${carried ?? "-"})`).toEqual(
      expected,
    );
  }
  expect(errors).toEqual([]); // a removed part is skipped, never an error
  return { afterEdit, inFlight };
}

describe("catalog edits with batches in flight: each part exactly once, in the current order", () => {
  for (const order of ["consumer first", "cycle first"] as const) {
    describe(`the in-flight batch sent ${order === "consumer first" ? "before" : "after"} the cycle sees the new catalog`, () => {
      it("inserting a part behind readers: it reaches them next, nothing is re-sent", async () => {
        const { afterEdit } = await scenario("insert-behind", withParts([P1, EXTRA, P2, P3, P4]), order);
        // The caught-up readers had every part: the inserted one is the only thing they get.
        for (let i = 1; i <= 3; i++) expect(afterEdit.get(`done${i}@example.com`)).toEqual([P1, P2, P3, P4, EXTRA]);
      });

      it("inserting a part ahead of readers: they reach it in turn", async () => {
        await scenario("insert-ahead", withParts([P1, P2, P3, EXTRA, P4]), order);
      });

      it("adding a part at the end: readers who had every part get it", async () => {
        await scenario("append", withParts([P1, P2, P3, P4, EXTRA]), order);
      });

      it("removing a part a batch in flight carries: skipped without error, the readers go on to the next", async () => {
        const { afterEdit, inFlight } = await scenario("remove", withParts([P1, P2, P4]), order);
        expect([...inFlight.values()]).toContain(P3);
        for (const parts of afterEdit.values()) expect(parts.filter((id) => id === P3).length).toBeLessThanOrEqual(1);
        expect(afterEdit.get("later1@example.com")).toEqual([P1, P2, P4]);
      });

      it("reordering: each reader gets the parts they have not received, in the new order", async () => {
        await scenario("reorder", withParts([P1, P3, P2, P4]), order);
      });

      it("renaming with an alias: old subscriptions keep receiving, under the new slug", async () => {
        const renamed = "fixture-four-renamed";
        await scenario("rename", withParts([P1, P2, P3, P4], renamed), order);
        const series = new Set((await subscriptionsOf("")).map((row) => row.series));
        expect([...series]).toEqual([renamed]);
      });
    });
  }
});

describe("stats follow the part, not its position", () => {
  it("counts a reordered part's sends under its id", async () => {
    const provider = mockResend("catalog-stats");
    await provider.reset();
    await seedReaders({ series: SERIES, count: 4, prefix: "stats", dueAt: T0 });
    await runCycleAt(T0, {}, { mailer: provider.mailer() });
    const reordered = withParts([P2, P1, P3, P4]);
    for (let now = T0 + DAY; now <= T0 + 10 * DAY; now += DAY)
      await runCycleAt(now, {}, { mailer: provider.mailer(), catalog: reordered });
    const { results } = await env.DB.prepare(
      "SELECT part_id AS id, sent FROM part_stats WHERE series = ?1 ORDER BY part_id",
    )
      .bind(SERIES)
      .all<{ id: string; sent: number }>();
    expect(results).toEqual([P1, P2, P3, P4].map((id) => ({ id, sent: 4 })));
  });
});

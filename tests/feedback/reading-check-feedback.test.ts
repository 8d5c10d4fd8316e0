import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import type { FeedbackMessage } from "../../worker/env";
import { recordProviderEvents } from "../../worker/feedback/record-provider-events";
import { runReadingChecks } from "../../worker/reengage/run-reading-checks";
import { DAY, editCatalog, resetDatabase, runCycleAt, seedReaders } from "../helpers/delivery-helpers";
import { REENGAGE_SERIES, checksOf, reengageCounters } from "../helpers/reading-check-helpers";
import { findSubscriber, subscriptionsOf } from "../helpers/rows";
import { testDeps, testDepsAt } from "../helpers/test-deps";

/**
 * Provider events and the "Still reading?" rule: a bounce or complaint about its email stops the reader as one
 * about a part would, and an open is a sign of reading only where the series says opens count.
 */
const T0 = Date.UTC(2030, 3, 1, 12, 0);

beforeEach(async () => {
  await resetDatabase();
  await env.DB.prepare("DELETE FROM series_days").run();
});

/** A reader two quiet parts in, part 3 just sent: their check is queued for a day later. */
async function quietReader(prefix: string) {
  await seedReaders({ series: REENGAGE_SERIES, count: 1, prefix, nextPart: 3, dueAt: T0 });
  const reader = (await findSubscriber(`${prefix}1@example.com`))!;
  await env.DB.prepare("UPDATE subscriptions SET quiet_parts = 2 WHERE subscriber_id = ?1").bind(reader.id).run();
  await runCycleAt(T0);
  const delivery = (await env.DB.prepare(
    "SELECT id, provider_message_id AS messageId FROM deliveries WHERE subscriber_id = ?1",
  )
    .bind(reader.id)
    .first<{ id: number; messageId: string }>())!;
  return { reader, delivery };
}

let events = 0;
const event = (type: string, emailId: string, at: number): FeedbackMessage => ({
  svixId: `msg_reading_${++events}`,
  type,
  emailId,
  deliveryTag: null,
  createdAt: at,
  receivedAt: at,
});

describe('a bounce or complaint about the "Still reading?" email', () => {
  it.for(["email.complained", "email.bounced"])(
    "%s stops its reader, and their check closes without a pause",
    async (type) => {
      const { reader } = await quietReader(type.slice(6));
      await runReadingChecks(testDeps({ clock: () => T0 + DAY }));
      const [check] = await checksOf(reader.id);
      expect(check).toMatchObject({ status: "sent" });
      expect(check!.providerMessageId).toBeTruthy();

      const summary = await recordProviderEvents(testDepsAt(T0 + DAY + 60_000), [
        event(type, check!.providerMessageId!, T0 + DAY + 60_000),
      ]);
      expect(summary.suppressed).toBe(1);
      expect((await findSubscriber(`${type.slice(6)}1@example.com`))!.status).toBe(
        type === "email.complained" ? "complained" : "bounced",
      );
      expect((await subscriptionsOf(reader.id))[0]!.status).toBe("stopped");

      expect((await runReadingChecks(testDeps({ clock: () => T0 + 5 * DAY }))).graces).toEqual({
        paused: 0,
        read: 0,
        closed: 1,
      });
      expect(await reengageCounters()).toEqual({ asked: 1, kept: 0, paused: 0 });
    },
  );
});

describe("an open", () => {
  it("is no sign of reading by default (privacy proxies open every email): the check goes", async () => {
    const { reader, delivery } = await quietReader("proxy");
    await recordProviderEvents(testDepsAt(T0 + 60_000), [event("email.opened", delivery.messageId, T0 + 60_000)]);
    expect((await subscriptionsOf(reader.id))[0]!.quietParts).toBe(3);
    expect((await runReadingChecks(testDeps({ clock: () => T0 + DAY }))).checks.sent).toBe(1);
  });

  it("is one where the series counts opens: the streak starts again and the queued check never goes", async () => {
    const catalog = editCatalog((series) =>
      series.reengage ? { ...series, reengage: { ...series.reengage, countOpens: true } } : series,
    );
    const { reader, delivery } = await quietReader("opens");
    await recordProviderEvents(testDepsAt(T0 + 60_000, { catalog }), [
      event("email.opened", delivery.messageId, T0 + 60_000),
    ]);
    expect((await subscriptionsOf(reader.id))[0]).toMatchObject({ quietParts: 0, signalAt: T0 + 60_000 });
    // Only the first open of an email counts: a second one writes nothing more.
    await env.DB.prepare("UPDATE subscriptions SET quiet_parts = 5 WHERE subscriber_id = ?1").bind(reader.id).run();
    await recordProviderEvents(testDepsAt(T0 + 120_000, { catalog }), [
      event("email.opened", delivery.messageId, T0 + 120_000),
    ]);
    expect((await subscriptionsOf(reader.id))[0]!.quietParts).toBe(5);

    const run = await runReadingChecks(testDeps({ clock: () => T0 + DAY, catalog }));
    expect(run.checks).toMatchObject({ sent: 0, dropped: 1 });
    expect((await checksOf(reader.id)).map((check) => check.status)).toEqual(["read"]);
  });
});

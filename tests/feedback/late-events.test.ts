import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readConfig } from "../../worker/config";
import { DELIVERY_TAG } from "../../worker/mail/mailer";
import { runRetention } from "../../worker/retention/run-retention";
import { DAY, mockResend, resetDatabase, runCycleAt, seedReaders } from "../helpers/delivery-helpers";
import { asMessages, deliverFeedback, feedbackEvent } from "../helpers/feedback-helpers";
import { recordingD1 } from "../helpers/recording-d1";
import { countRows, deliveriesOf, eventsOf, subscriberStatus, subscriptionsOf } from "../helpers/rows";
import { testDeps } from "../helpers/test-deps";
import {
  postWebhook,
  resendEvent,
  sendEvent,
  sentReaders,
  signWebhook,
  WEBHOOK_SERIES,
  WEBHOOK_T0,
} from "../helpers/webhook-helpers";

/**
 * Bounces and complaints that arrive after retention slimmed their delivery (its provider id went with it): the
 * email's delivery tag, which Resend carries back in every event, still names the reader.
 */
beforeEach(resetDatabase);
afterEach(() => vi.restoreAllMocks());

const T0 = WEBHOOK_T0;
const WINDOW = readConfig(env).retainDeliveriesDays * DAY;

/** Readers sent part 1, their deliveries then slimmed (no live row, no provider id left). */
async function slimmedReaders(prefix: string, count: number) {
  const readers = await sentReaders(prefix, count);
  expect((await runRetention(testDeps(), { now: T0 + WINDOW })).rows).toMatchObject({ deliveries: count });
  expect(await countRows("deliveries")).toBe(0);
  return readers;
}

const tagOf = (deliveryId: number) => ({ [DELIVERY_TAG]: String(deliveryId) });

describe("a late bounce or complaint (its delivery slimmed)", () => {
  it.for([
    ["email.complained", "complained"],
    ["email.bounced", "bounced"],
  ])("%s suppresses its reader as a matched one would, once under redelivery", async ([type, status]) => {
    const [late, other] = await slimmedReaders("late", 2);
    const event = resendEvent(type!, late!.messageId, late!.email, tagOf(late!.id));
    const { res, id } = await sendEvent(event);
    expect(res.status).toBe(200);

    expect(await subscriberStatus(late!.subscriberId)).toBe(status);
    expect(await eventsOf(late!.subscriberId)).toContain(status);
    expect((await subscriptionsOf(late!.subscriberId)).map((s) => s.status)).not.toContain("active");
    expect(await subscriberStatus(other!.subscriberId)).toBe("active");
    // Recorded unmatched (no live delivery to point at), as any late event.
    expect(await countRows("webhook_events", "id = ?1 AND delivery_id IS NULL", id)).toBe(1);

    // Resend's retry of the same event, and a second event of the same kind: nothing more.
    await sendEvent(event, { id });
    await sendEvent(resendEvent(type!, late!.messageId, late!.email, tagOf(late!.id)));
    expect(await countRows("events", "subscriber_id = ?1 AND type = ?2", late!.subscriberId, status)).toBe(1);
  });

  it("through the real queue and consumer too; a message queued before the tag existed is still read", async () => {
    const [late, old] = await slimmedReaders("queued", 2);
    const { res } = await sendEvent(resendEvent("email.complained", late!.messageId, late!.email, tagOf(late!.id)), {
      queued: true,
    });
    expect(res.status).toBe(200);
    await vi.waitFor(async () => expect(await subscriberStatus(late!.subscriberId)).toBe("complained"), {
      timeout: 15_000,
      interval: 250,
    });

    const { deliveryTag: _, ...untagged } = feedbackEvent("email.complained", old!.messageId);
    const result = await deliverFeedback(asMessages([untagged]));
    expect(result.explicitAcks).toHaveLength(1);
    expect(await subscriberStatus(old!.subscriberId)).toBe("active");
  }, 20_000);

  it("the next cycles send a suppressed late complainer nothing", async () => {
    const [late] = await slimmedReaders("nomore", 1);
    await sendEvent(resendEvent("email.complained", late!.messageId, late!.email, tagOf(late!.id)));
    await runCycleAt(T0 + WINDOW + DAY);
    await runCycleAt(T0 + WINDOW + 3 * DAY);
    expect(await countRows("deliveries")).toBe(0);
  });

  it("other late events (delivered, opened) stay unmatched and suppress nobody", async () => {
    const [late] = await slimmedReaders("opens", 1);
    for (const type of ["email.delivered", "email.opened", "email.clicked", "email.failed"]) {
      expect((await sendEvent(resendEvent(type, late!.messageId, late!.email, tagOf(late!.id)))).res.status).toBe(200);
    }
    expect(await subscriberStatus(late!.subscriberId)).toBe("active");
    expect(await countRows("webhook_events", "delivery_id IS NULL")).toBe(4);
  });

  it("a forged or garbage tag suppresses nobody and is never refused", async () => {
    const readers = await slimmedReaders("forged", 2);
    const [late] = readers;
    const tags: unknown[] = [
      { [DELIVERY_TAG]: `${late!.id}abc` },
      { [DELIVERY_TAG]: ` ${late!.id}` },
      { [DELIVERY_TAG]: `-${late!.id}` },
      { [DELIVERY_TAG]: "0" },
      { [DELIVERY_TAG]: `0${late!.id}` },
      { [DELIVERY_TAG]: "1e3" },
      { [DELIVERY_TAG]: "9".repeat(16) },
      { [DELIVERY_TAG]: "<script>alert(1)</script>" },
      { [DELIVERY_TAG]: late!.id }, // a number, not Resend's string
      { [DELIVERY_TAG]: [String(late!.id)] },
      { Delivery: String(late!.id) },
      [{ name: DELIVERY_TAG, value: String(late!.id) }],
      String(late!.id),
      null,
      { [DELIVERY_TAG]: "987654321" }, // digits, but no delivery ever had that id
    ];
    for (const tag of tags) {
      const { res } = await sendEvent(resendEvent("email.complained", late!.messageId, late!.email, tag));
      expect(res.status, JSON.stringify(tag)).toBe(200);
    }
    for (const reader of readers) expect(await subscriberStatus(reader.subscriberId)).toBe("active");
    expect(await countRows("events", "type IN ('complained', 'bounced')")).toBe(0);
    expect(await countRows("webhook_events")).toBe(tags.length);
  });

  it("a tag naming another reader's delivery is refused without a valid signature, as any unsigned body", async () => {
    const [late, victim] = await slimmedReaders("victim", 2);
    const body = JSON.stringify(resendEvent("email.complained", late!.messageId, late!.email, tagOf(victim!.id)));
    expect((await postWebhook(body, {})).status).toBe(400);
    expect(
      (await postWebhook(body, signWebhook(body, { secret: "whsec_Zm9yZ2VkIHNlY3JldCBvZiBub2JvZHk=" }))).status,
    ).toBe(401);
    expect(await subscriberStatus(victim!.subscriberId)).toBe("active");
    expect(await countRows("webhook_events")).toBe(0);
  });

  it("costs the consumer two more read round trips for its late ones only; a matched batch still takes two", async () => {
    const readers = await sentReaders("trips", 4);
    const counting = recordingD1(env.DB);
    const matched = readers.slice(0, 2).map((r) => ({
      ...feedbackEvent("email.bounced", r.messageId),
      deliveryTag: r.id,
    }));
    await deliverFeedback(asMessages(matched), { db: counting.db });
    expect(counting.counts.calls).toBe(2);
    expect(await subscriberStatus(readers[0]!.subscriberId)).toBe("bounced");

    await runRetention(testDeps(), { now: T0 + WINDOW });
    const late = recordingD1(env.DB);
    const events = readers
      .slice(2)
      .map((r) => ({ ...feedbackEvent("email.complained", r.messageId), deliveryTag: r.id }));
    await deliverFeedback(asMessages(events), { db: late.db });
    // Seen + lookups, the slimmed deliveries (one batch), their readers (one batch), the transaction.
    expect(late.counts.calls).toBe(4);
    for (const reader of readers.slice(2)) expect(await subscriberStatus(reader.subscriberId)).toBe("complained");
  });
});

describe("part emails name their delivery", () => {
  it("every email sent through Resend carries one tag with its delivery id", async () => {
    const provider = mockResend("late-events-tags");
    await provider.reset();
    await seedReaders({ series: WEBHOOK_SERIES, count: 3, prefix: "tagged", dueAt: T0 });
    await runCycleAt(T0, {}, { mailer: provider.mailer() });
    const sent = await provider.sent();
    const deliveries = await deliveriesOf("tagged");
    expect(sent).toHaveLength(3);
    expect(Object.fromEntries(sent.map((mail) => [mail.to, mail.tags]))).toEqual(
      Object.fromEntries(deliveries.map((d) => [d.toEmail, [{ name: DELIVERY_TAG, value: String(d.id) }]])),
    );
  });
});

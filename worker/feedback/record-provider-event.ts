import { unsubscribeSql } from "../subscribers/unsubscribe";
import { emailKey } from "../subscribers/email-address";
import { checkComplaintGuard, type GuardCheck } from "./complaint-guard";
import { eventCounters, feedbackSql, type DeliveryMark } from "./queries";
import type { ProviderEvent } from "./verify-webhook";

/** What each event does to its delivery and reader; types not listed are kept and otherwise ignored. */
const handlers: Record<string, { mark?: DeliveryMark; suppress?: { status: "bounced" | "complained"; reason: string } }> = {
  "email.delivered": { mark: "delivered_at" },
  "email.delivery_delayed": {},
  "email.opened": { mark: "opened_at" },
  // Resend's own click tracking: kept in webhook_events only; our action links count clicks (and scanners).
  "email.clicked": {},
  "email.bounced": { mark: "bounced_at", suppress: { status: "bounced", reason: "bounced" } },
  "email.complained": { mark: "complained_at", suppress: { status: "complained", reason: "complained" } },
  "email.failed": {},
  // Not sent: the address is on Resend's suppression list (an earlier bounce or complaint). Counted as a bounce.
  "email.suppressed": { mark: "bounced_at", suppress: { status: "bounced", reason: "provider suppression list" } },
};

export interface ProviderEventResult {
  duplicate: boolean;
  /** Known to us and acted on (a type we do not handle is only kept). */
  handled: boolean;
  deliveryId: number | null;
  subscriberId: number | null;
  suppressed: boolean;
  guard: GuardCheck | null;
}

/**
 * Records one verified provider event in one transaction: the event itself (its svix id is the primary key,
 * so a redelivery is seen once), the delivery's first-time column with its part counter, and for a bounce or
 * complaint the reader's suppression (every subscription stopped, queued mail cancelled). Every statement is
 * conditional on the state it changes, so a replay, even racing the original, changes nothing.
 */
export async function recordProviderEvent(
  d1: D1Database,
  svixId: string,
  event: ProviderEvent,
  payload: string,
  now = Date.now(),
): Promise<ProviderEventResult> {
  const result: ProviderEventResult = { duplicate: false, handled: false, deliveryId: null, subscriberId: null, suppressed: false, guard: null };
  if (await d1.prepare(feedbackSql.seen).bind(svixId).first()) return { ...result, duplicate: true };

  const handler = handlers[event.type];
  const messageId = event.data?.email_id ?? null;
  const delivery = handler && messageId
    ? await d1.prepare(feedbackSql.findDelivery).bind(messageId).first<{ id: number; subscriberId: number; series: string; partNumber: number }>()
    : null;
  let subscriberId = delivery?.subscriberId ?? null;
  if (handler?.suppress && subscriberId === null) subscriberId = await subscriberByAddress(d1, event);

  const statements: D1PreparedStatement[] = [];
  // Before the event is kept: its guard is "no event of this type kept for this delivery yet".
  if (delivery && event.type in eventCounters) {
    statements.push(d1.prepare(feedbackSql.countFirstEvent(event.type as keyof typeof eventCounters)).bind(delivery.id, event.type));
  }
  const keepIndex = statements.push(d1.prepare(feedbackSql.keepEvent).bind(svixId, event.type.slice(0, 100), messageId, delivery?.id ?? null, payload, now)) - 1;
  let markIndex = -1;
  if (delivery && handler?.mark) {
    const { count, mark } = feedbackSql.markDelivery(handler.mark);
    statements.push(d1.prepare(count).bind(delivery.id));
    markIndex = statements.push(d1.prepare(mark).bind(delivery.id, now)) - 1;
  }
  let suppressIndex = -1;
  if (handler?.suppress && subscriberId !== null) {
    const { status, reason } = handler.suppress;
    statements.push(
      d1.prepare(feedbackSql.recordSuppression).bind(subscriberId, status, reason, now, delivery?.id ?? null),
      // As an unsubscribe does: queued mail taken out, every series stopped.
      d1.prepare(unsubscribeSql.cancelQueued).bind(subscriberId),
      d1.prepare(unsubscribeSql.stopSubscriptions).bind(subscriberId, now),
    );
    suppressIndex = statements.push(d1.prepare(feedbackSql.markSuppressed).bind(subscriberId, status, reason, now)) - 1;
  }
  const results = await d1.batch(statements);
  if (results[keepIndex]!.meta.changes === 0) return { ...result, duplicate: true }; // the same event raced us

  const complainedNow = handler?.mark === "complained_at" && markIndex >= 0 && results[markIndex]!.meta.changes > 0;
  return {
    duplicate: false,
    handled: Boolean(handler),
    deliveryId: delivery?.id ?? null,
    subscriberId,
    suppressed: suppressIndex >= 0 && results[suppressIndex]!.meta.changes > 0,
    guard: complainedNow ? await checkComplaintGuard(d1, delivery!.series, now) : null,
  };
}

async function subscriberByAddress(d1: D1Database, event: ProviderEvent): Promise<number | null> {
  const to = event.data?.to;
  const address = Array.isArray(to) ? to[0] : to;
  if (!address) return null;
  const row = await d1.prepare(feedbackSql.findSubscriber).bind(emailKey(address)).first<{ id: number }>();
  return row?.id ?? null;
}

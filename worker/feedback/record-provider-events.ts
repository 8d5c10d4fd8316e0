import type { AppDeps } from "../app-deps";
import { findDeliveryReaders } from "../delivery/find-delivery";
import type { FeedbackMessage } from "../env";
import { ruleIndex } from "../reengage/rules";
import { unsubscribeSql } from "../subscribers/subscriber-queries";
import { checkComplaintGuard, type GuardCheck } from "./complaint-guard";
import { occurredAt } from "./feedback-message";
import { feedbackSql, type DeliveryMark } from "./feedback-queries";

type Suppress = { status: "bounced" | "complained"; reason: string };

/** What each event does to its delivery and reader; types not listed are kept and otherwise ignored. */
const handlers: Partial<Record<string, { mark?: DeliveryMark; suppress?: Suppress }>> = {
  "email.delivered": { mark: "delivered_at" },
  "email.delivery_delayed": { mark: "delayed_at" },
  "email.opened": { mark: "opened_at" },
  // Resend's own click tracking: kept in webhook_events only; our action links count clicks (and scanners).
  "email.clicked": {},
  "email.bounced": { mark: "bounced_at", suppress: { status: "bounced", reason: "bounced" } },
  "email.complained": { mark: "complained_at", suppress: { status: "complained", reason: "complained" } },
  "email.failed": { mark: "failed_at" },
  // Not sent: the address is on Resend's suppression list (an earlier bounce or complaint). Counted as a bounce.
  "email.suppressed": { mark: "bounced_at", suppress: { status: "bounced", reason: "provider suppression list" } },
};
// Own keys only: a type such as "constructor" is an unknown type, not Object's.
const handlerOf = (type: string) => (Object.hasOwn(handlers, type) ? handlers[type] : undefined);

export interface FeedbackSummary {
  events: number;
  /** Not recorded again: the same svix id earlier in the batch, recorded before, or by a consumer racing this one. */
  duplicates: number;
  /** Of the events recorded now, those about one of our deliveries. */
  matched: number;
  /** First-time marks set on deliveries (each counted once in part_stats). */
  marked: number;
  suppressed: number;
  guards: GuardCheck[];
}

/**
 * Records verified provider events (up to a queue batch of 100) in two D1 round trips: one batch of reads (the
 * svix ids seen before, the deliveries and confirmation emails the events are about), then one transaction that
 * keeps the new events, sets each delivery's first-time marks with their part counters, and suppresses readers who
 * bounced or complained (every subscription stopped, queued mail taken out). Every write is conditional on the
 * state it changes, so a redelivery, even racing the original in another consumer, changes nothing, and events of
 * one email may come in any order. A bounce or complaint whose email matches nothing (its delivery slimmed by
 * retention) finds its reader by the email's delivery tag, in up to two more read round trips (findDeliveryReaders);
 * other late events stay unmatched. A first complaint then runs the complaint guard of its series. A first open
 * is a sign of reading only in a series whose "Still reading?" rule counts opens (the catalog says which).
 */
export async function recordProviderEvents(
  deps: Pick<AppDeps, "db" | "clock" | "catalog">,
  messages: FeedbackMessage[],
): Promise<FeedbackSummary> {
  const { db, catalog } = deps;
  const now = deps.clock();
  const summary: FeedbackSummary = {
    events: messages.length,
    duplicates: 0,
    matched: 0,
    marked: 0,
    suppressed: 0,
    guards: [],
  };
  const unique = [...new Map(messages.map((message) => [message.svixId, message])).values()];
  const emailIds = [...new Set(unique.flatMap((message) => (message.emailId ? [message.emailId] : [])))];
  const suppressIds = unique.flatMap((message) =>
    message.emailId && handlerOf(message.type)?.suppress ? [message.emailId] : [],
  );

  const [seen, deliveries, confirmations, checks] = await db.batch([
    db.prepare(feedbackSql.seenEvents).bind(JSON.stringify(unique.map((message) => message.svixId))),
    db.prepare(feedbackSql.findDeliveries).bind(JSON.stringify(emailIds)),
    // Only bounces and complaints fall back to a confirmation or "Still reading?" email's reader.
    db.prepare(feedbackSql.findConfirmations).bind(JSON.stringify(suppressIds)),
    db.prepare(feedbackSql.findReadingChecks).bind(JSON.stringify(suppressIds)),
  ]);
  const seenIds = new Set((seen!.results as { id: string }[]).map((row) => row.id));
  const deliveryOf = new Map(
    (deliveries!.results as { id: number; messageId: string; subscriberId: number }[]).map((row) => [
      row.messageId,
      row,
    ]),
  );
  const ownMail = [
    ...(confirmations!.results as { messageId: string; subscriberId: number }[]),
    ...(checks!.results as { messageId: string; subscriberId: number }[]),
  ];
  const readerOfOwnMail = new Map(ownMail.map((row) => [row.messageId, row.subscriberId]));

  const fresh = unique.filter((message) => !seenIds.has(message.svixId));
  const readerOfTag = await findDeliveryReaders(deps, lateSuppressions(fresh, deliveryOf, readerOfOwnMail));
  const kept: [string, string, string | null, number | null, number][] = [];
  const marks = new Map<DeliveryMark, Record<string, number>>();
  const suppressions = new Map<number, Suppress & { at: number; deliveryId: number | null }>();
  for (const message of fresh) {
    const delivery = message.emailId ? deliveryOf.get(message.emailId) : undefined;
    const handler = handlerOf(message.type);
    kept.push([message.svixId, message.type, message.emailId, delivery?.id ?? null, message.receivedAt]);
    if (delivery && handler?.mark) {
      const times = marks.get(handler.mark) ?? {};
      times[delivery.id] ??= occurredAt(message);
      marks.set(handler.mark, times);
    }
    const subscriberId =
      delivery?.subscriberId ??
      (message.emailId ? readerOfOwnMail.get(message.emailId) : undefined) ??
      (handler?.suppress && message.deliveryTag !== null ? readerOfTag.get(message.deliveryTag) : undefined);
    // One suppression per reader: the first of their events in the batch says which.
    if (handler?.suppress && subscriberId !== undefined && !suppressions.has(subscriberId)) {
      suppressions.set(subscriberId, {
        ...handler.suppress,
        at: occurredAt(message),
        deliveryId: delivery?.id ?? null,
      });
    }
  }

  if (kept.length > 0) {
    const statements = [db.prepare(feedbackSql.keepEvents).bind(JSON.stringify(kept))];
    const markAt: { column: DeliveryMark; index: number }[] = [];
    const { countOpens } = ruleIndex(catalog);
    for (const [column, times] of marks) {
      const { count, mark } = feedbackSql.markDeliveries(column);
      if (column === "opened_at" && countOpens.length > 0) {
        statements.push(
          db.prepare(feedbackSql.signalOpens).bind(JSON.stringify(times), now, JSON.stringify(countOpens)),
        );
      }
      statements.push(db.prepare(count).bind(JSON.stringify(times)));
      markAt.push({ column, index: statements.push(db.prepare(mark).bind(JSON.stringify(times))) - 1 });
    }
    const suppressAt: number[] = [];
    for (const [subscriberId, { status, reason, at, deliveryId }] of suppressions) {
      statements.push(
        db.prepare(feedbackSql.recordSuppression).bind(subscriberId, status, reason, at, deliveryId),
        // As an unsubscribe does: queued mail taken out, every series stopped.
        db.prepare(unsubscribeSql.cancelQueued).bind(subscriberId),
        db.prepare(unsubscribeSql.stopSubscriptions).bind(subscriberId, at),
      );
      suppressAt.push(
        statements.push(db.prepare(feedbackSql.markSuppressed).bind(subscriberId, status, reason, at)) - 1,
      );
    }
    const results = await db.batch(statements);
    // Not returned: a consumer racing this one kept the event first (its transaction did the rest).
    const recorded = new Set((results[0]!.results as { id: string }[]).map((row) => row.id));
    summary.duplicates = messages.length - recorded.size;
    summary.matched = kept.filter(([svixId, , , deliveryId]) => recorded.has(svixId) && deliveryId !== null).length;
    summary.marked = markAt.reduce((sum, { index }) => sum + results[index]!.meta.changes, 0);
    summary.suppressed = suppressAt.reduce((sum, index) => sum + (results[index]!.meta.changes > 0 ? 1 : 0), 0);
    const complained = markAt.find(({ column }) => column === "complained_at");
    const series = new Set(
      complained ? (results[complained.index]!.results as { series: string }[]).map((row) => row.series) : [],
    );
    for (const name of series) {
      // The events are recorded: a failed check must not send them round again (the next complaint checks anew).
      try {
        summary.guards.push(await checkComplaintGuard({ db, clock: () => now }, name));
      } catch (error) {
        console.error("complaint guard failed", name, error);
      }
    }
  } else {
    summary.duplicates = messages.length;
  }
  return summary;
}

/** The delivery tags of fresh bounces and complaints whose email id matched none of our mail: late, or slimmed. */
function lateSuppressions(
  fresh: FeedbackMessage[],
  deliveryOf: Map<string, unknown>,
  readerOfOwnMail: Map<string, number>,
): number[] {
  const tags = fresh.flatMap((message) =>
    message.deliveryTag !== null &&
    handlerOf(message.type)?.suppress &&
    !(message.emailId && (deliveryOf.has(message.emailId) || readerOfOwnMail.has(message.emailId)))
      ? [message.deliveryTag]
      : [],
  );
  return [...new Set(tags)];
}

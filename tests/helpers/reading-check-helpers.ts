/**
 * The "Still reading?" rule on the simulated clock: a tick is what the cron does (the rule's step, then the
 * delivery cycle), and the readers' mail and checks read back from D1.
 */
import { env } from "cloudflare:workers";
import { eq } from "drizzle-orm";
import { readingChecks } from "../../db/schema";
import { newClickId } from "../../worker/actions/take-click";
import type { DepsOverrides } from "../../worker/app-deps";
import { getDb } from "./drizzle-db";
import type { ClickMessage } from "../../worker/env";
import { runReadingChecks } from "../../worker/reengage/run-reading-checks";
import { runCycleAt } from "./delivery-helpers";
import { testDeps } from "./test-deps";
import { deliveriesOf, outboxOf, type DeliveryRow } from "./rows";

export const REENGAGE_SERIES = "fixture-reengage";
export const CHECK_SUBJECT = "Still reading Fixture Reengage?";
/** Fixture subjects end with the part's number; the check is "check". */
export const subjectLabel = (subject: string) =>
  subject === CHECK_SUBJECT ? "check" : `p${/part (\d+)$/.exec(subject)?.[1] ?? subject}`;

/** One cron tick at `now`: the rule's deadlines and emails first, then the delivery cycle. */
export async function tick(now: number, deps: DepsOverrides = {}) {
  const checks = await runReadingChecks(testDeps({ clock: () => now, ...deps }));
  const cycle = await runCycleAt(now, {}, deps);
  return { checks, cycle };
}

/** Ticks every `step` ms from `from` to `to` (inclusive), calling `before(now)` first at each. */
export async function tickThrough(
  from: number,
  to: number,
  step: number,
  before?: (now: number) => Promise<void>,
  deps: DepsOverrides = {},
) {
  for (let now = from; now <= to; now += step) {
    await before?.(now);
    await tick(now, deps);
  }
}

/** What each reader of a prefix received, in order ("p1", "p2", "check", …), by address. */
export async function mailOf(prefix: string): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const mail of await outboxOf(prefix))
    out.set(mail.to, [...(out.get(mail.to) ?? []), subjectLabel(mail.subject)]);
  return out;
}

export function checksOf(subscriberId: number) {
  return getDb(env.DB).query.readingChecks.findMany({
    where: eq(readingChecks.subscriberId, subscriberId),
    orderBy: readingChecks.id,
  });
}

/** A person's click on the call to action of one of their emails, `afterMs` after it was sent. */
export function personClick(delivery: DeliveryRow, afterMs = 60 * 60 * 1000): ClickMessage {
  return {
    id: newClickId(),
    deliveryId: delivery.id,
    series: delivery.series,
    partId: delivery.partId,
    link: 0,
    at: delivery.sentAt! + afterMs,
    reason: null,
  };
}

/** The delivery of the part with this id to the reader with this address. */
export async function deliveryOf(prefix: string, email: string, partId: string): Promise<DeliveryRow> {
  const found = (await deliveriesOf(prefix)).find(
    (delivery) => delivery.toEmail === email && delivery.partId === partId,
  );
  if (!found) throw new Error(`no delivery of ${partId} to ${email}`);
  return found;
}

/** The series' "Still reading?" counters summed over its days. */
export async function reengageCounters(series = REENGAGE_SERIES) {
  return (await env.DB.prepare(
    `SELECT coalesce(sum(reengage_asked), 0) AS asked, coalesce(sum(reengage_kept), 0) AS kept, coalesce(sum(reengage_paused), 0) AS paused
     FROM series_days WHERE series = ?1`,
  )
    .bind(series)
    .first<{ asked: number; kept: number; paused: number }>())!;
}

/** The keep link of a "Still reading?" email (same in its html and text). */
export function keepLinkOf(mail: { html: string; text: string }): string {
  const link = /https:\/\/news\.example\.com\/still-reading\/[A-Za-z0-9_.-]+/.exec(mail.text)?.[0];
  if (!link || !mail.html.includes(`href="${link}"`)) throw new Error("no keep link in both parts of the email");
  return link;
}

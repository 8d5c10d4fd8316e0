import type { CompiledSeries, ReengageRule } from "../content/types";
import { IDEMPOTENCY_WINDOW_MS, type DeliveryContext } from "../delivery/context";
import { nextSendableTime, readerZone } from "../delivery/schedule";
import type { BatchResult } from "../mail/create-mailer";
import { waitForProviderSlot } from "../mail/provider-slot";
import { composeCheckEmail } from "./check-email";
import { reengageSql } from "./reengage-queries";
import { graceMs } from "./rules";

/** Checks the cron emails per tick: each is one provider call (a cohort of 10,000 is asked in ~17 hours). */
export const CHECKS_PER_RUN = 10;
/** How long one send attempt owns its check before another tick may retry it (same key, so no second email). */
const SEND_LEASE_MS = 2 * 60 * 1000;
/** No provider slot free soon, or the series paused: the check waits this long. */
const HOLD_MS = 60_000;
/** A refused email (4xx) is tried this often before it is given up. */
const MAX_REFUSALS = 5;
const backoffMs = (attempts: number) => Math.min(60_000 * 2 ** attempts, 60 * 60 * 1000);

export interface DueCheck {
  id: number;
  subscriptionId: number;
  series: string;
  deliveryId: number;
  attempts: number;
  firstTriedAt: number | null;
  createdAt: number;
  subscriptionStatus: string;
  signalAt: number | null;
  readerStatus: string;
  email: string;
  name: string | null;
  timezone: string | null;
}

/**
 * sent: the provider took it; dropped: no longer to be asked (read, or the subscription ended); error: D1 failed
 * on the way (the check keeps its lease and is retried under its key on a later tick).
 */
export type CheckOutcome = "sent" | "dropped" | "held" | "busy" | "retrying" | "failed" | "skipped" | "error";

/** A sign of reading since the check was queued answers it before it is even sent. */
export const readSince = (check: Pick<DueCheck, "signalAt" | "createdAt">) =>
  check.signalAt !== null && check.signalAt >= check.createdAt;

/**
 * Emails the queued checks due now, oldest first, one provider call each under the key `still-reading/<id>` (the
 * confirmation email's shape: a lease, the team's provider slot, the outcome on the row). A check whose reader
 * read meanwhile, or whose subscription ended, is dropped unsent; a paused series or the reader's send window
 * holds it. Stops when the provider has no slot soon (nothing else could go this tick either).
 */
export async function sendReadingChecks(ctx: DeliveryContext): Promise<Record<CheckOutcome, number>> {
  const { meter, now } = ctx;
  const tally: Record<CheckOutcome, number> = {
    sent: 0,
    dropped: 0,
    held: 0,
    busy: 0,
    retrying: 0,
    failed: 0,
    skipped: 0,
    error: 0,
  };
  const due = await meter.all<DueCheck>(meter.db.prepare(reengageSql.dueChecks).bind(now, CHECKS_PER_RUN));
  if (due.length === 0) return tally;
  const paused = await meter.all<{ series: string }>(meter.db.prepare(reengageSql.pausedSeries));
  const pausedSeries = new Set(paused.map((row) => row.series));
  for (const check of due) {
    let outcome: CheckOutcome;
    try {
      outcome = await sendCheck(ctx, check, pausedSeries);
    } catch (error) {
      console.error("reading check error", check.id, error);
      outcome = "error";
    }
    tally[outcome] += 1;
    if (outcome === "busy") break;
  }
  return tally;
}

async function sendCheck(ctx: DeliveryContext, check: DueCheck, pausedSeries: Set<string>): Promise<CheckOutcome> {
  const { meter, now } = ctx;
  const run = (text: string, ...values: unknown[]) => meter.batch([meter.db.prepare(text).bind(...values)]);
  const leased = await meter.all(
    meter.db.prepare(reengageSql.leaseCheck).bind(check.id, ctx.clock() + SEND_LEASE_MS, now),
  );
  if (leased.length === 0) return "skipped";

  const series = ctx.catalog.findSeries(check.series);
  const rule = series?.reengage;
  if (readSince(check)) {
    await run(reengageSql.dropCheck, check.id, now, "read");
    return "dropped";
  }
  if (!series || !rule || check.subscriptionStatus !== "active" || check.readerStatus !== "active") {
    await run(reengageSql.dropCheck, check.id, now, "closed");
    return "dropped";
  }
  const sendable = nextSendableTime(now, series.sendWindow, readerZone(series, check.timezone));
  if (pausedSeries.has(series.slug) || sendable > now) {
    await run(reengageSql.holdCheck, check.id, sendable > now ? sendable : now + HOLD_MS);
    return "held";
  }
  // The provider forgets a key after 24 hours: an outcome still unknown by then is taken as sent, never risked twice.
  if (check.attempts > 0 && check.firstTriedAt !== null && now - check.firstTriedAt > IDEMPOTENCY_WINDOW_MS) {
    console.error("reading check outcome unknown past the idempotency window; recorded as sent", check.id);
    await recordSent(ctx, check.id, rule, null);
    return "sent";
  }
  if (!(await waitForProviderSlot(ctx, { provider: ctx.mailer.name, perSecond: ctx.config.providerRps }))) {
    await run(reengageSql.holdCheck, check.id, now + HOLD_MS);
    return "busy";
  }
  return deliver(ctx, check, series, rule);
}

async function deliver(
  ctx: DeliveryContext,
  check: DueCheck,
  series: CompiledSeries,
  rule: ReengageRule,
): Promise<CheckOutcome> {
  const { meter, now } = ctx;
  let result: BatchResult;
  try {
    const email = composeCheckEmail(ctx.config, rule, check);
    result = await ctx.mailer.sendBatch([email], `still-reading/${check.id}`);
  } catch (error) {
    // A mailer that throws may have reached the provider: the same key is the only retry.
    result = { kind: "unknown", status: null, message: error instanceof Error ? error.message : String(error) };
  }
  const id = result.kind === "sent" ? result.ids[0] : undefined;
  if (id) {
    await recordSent(ctx, check.id, rule, id);
    return "sent";
  }

  const attempts = check.attempts + 1;
  // With permissive validation a refused address still answers 200: it is a refusal like a 4xx.
  const refusal = result.kind === "sent" ? (result.refused?.[0]?.message ?? "refused by the provider") : null;
  const message = refusal ?? (result.kind === "sent" ? "" : result.message);
  const refused = refusal !== null || result.kind === "rejected";
  const retryAt =
    refused && attempts >= MAX_REFUSALS
      ? null
      : now + (result.kind === "rate_limited" ? result.retryAfterMs : backoffMs(attempts));
  console.error(
    "reading check not sent",
    check.id,
    series.slug,
    result.kind,
    message,
    retryAt === null ? "(given up)" : "(queued for retry)",
  );
  await meter.batch([meter.db.prepare(reengageSql.markNotSent).bind(check.id, now, retryAt, message.slice(0, 500))]);
  return retryAt === null ? "failed" : "retrying";
}

/** Counted and marked sent in one transaction; the grace runs from now. */
async function recordSent(ctx: DeliveryContext, checkId: number, rule: ReengageRule, providerId: string | null) {
  const { meter, now } = ctx;
  await meter.batch([
    meter.db.prepare(reengageSql.countAsked).bind(checkId, now),
    meter.db.prepare(reengageSql.markSent).bind(checkId, now, now + graceMs(rule), providerId),
  ]);
}

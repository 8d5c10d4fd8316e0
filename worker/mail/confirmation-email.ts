import type { SubscriberStatus } from "../../db/schema";
import type { AppDeps } from "../app-deps";
import { findSeries } from "../content/catalog";
import { fillTemplate } from "../content/fill-template";
import type { BatchResult } from "./mailer";
import { D1Meter } from "../delivery/d1-meter";
import { takeConfirmationCaps } from "./confirmation-caps";
import { waitForProviderSlot } from "./provider-slot";
import { signConfirmToken } from "../tokens";
import { confirmationEmailSql as sql } from "./confirmation-queries";

/** What sending a confirmation email needs: D1, the config (caps, keys, sender), the mailer and the time. */
type ConfirmationDeps = Pick<AppDeps, "db" | "config" | "mailer" | "clock">;

/** The signup's own attempt owns a new consent's email this long before the cron may retry it. */
export const INLINE_SEND_LEASE_MS = 2 * 60 * 1000;
/** A refused email (4xx) is tried this often before it is given up. */
const MAX_REFUSALS = 5;
/** Consents the cron retries per tick (each is one provider call). */
export const RETRIES_PER_RUN = 20;
/** No slot of the team's provider rate free soon: the next cron tick tries again. */
const PROVIDER_BUSY_RETRY_MS = 60_000;

export interface QueuedConfirmation {
  id: number;
  series: string;
  expiresAt: number;
  attempts: number;
  email: string;
  /** "import": the admin's own list, spaced by the import and exempt from the hourly caps on strangers' signups. */
  form: string;
}

/**
 * sent: the provider took it. not_sent: the provider failed or refused it (retried with backoff, or given up).
 * Held, not tried: held_for_domain, its domain's hourly cap is reached (other domains may still go); held, the
 * cap on all confirmations, or the team's provider rate has no slot free soon (nothing else can go now either).
 */
export type ConfirmationOutcome = "sent" | "not_sent" | "held_for_domain" | "held";

const backoffMs = (attempts: number) => Math.min(60_000 * 2 ** attempts, 60 * 60 * 1000);

/**
 * Sends the confirmation email of one consent and records the outcome on it. Every send passes the hourly caps
 * (but an import's) and books a slot of the team's provider rate first; otherwise it stays queued for the cron
 * (same idempotency key, so a retry after an unknown outcome cannot mail it twice). The reader's name is never
 * in it: the address is not proven yet.
 */
export async function sendConfirmationEmail(
  deps: ConfirmationDeps,
  consent: QueuedConfirmation,
): Promise<ConfirmationOutcome> {
  const { db, config, mailer } = deps;
  const now = deps.clock();
  const series = findSeries(consent.series);
  if (!series) {
    await db.prepare(sql.giveUp).bind(consent.id, "series not in the catalog").run();
    return "not_sent";
  }
  if (consent.form !== "import") {
    const caps = await takeConfirmationCaps(deps, consent);
    if (!caps.ok) return holdUntil(db, consent, caps.retryAt, caps.cap === "domain" ? "held_for_domain" : "held");
  }
  if (
    !(await waitForProviderSlot(
      { meter: new D1Meter(db), clock: Date.now },
      { provider: mailer.name, perSecond: config.providerRps },
    ))
  ) {
    return holdUntil(db, consent, now + PROVIDER_BUSY_RETRY_MS, "held");
  }
  const token = await signConfirmToken(config.keyring, consent.id, consent.expiresAt);
  const filled = fillTemplate(series.confirmation, {
    name: "there",
    base_url: config.publicUrl,
    confirm_url: `${config.publicUrl}/confirm/${token}`,
    postal_address: config.postalAddress,
  });
  let result: BatchResult;
  try {
    result = await mailer.sendBatch(
      [
        {
          from: config.mailFrom,
          to: consent.email,
          subject: filled.subject,
          html: filled.html,
          text: filled.text,
          headers: {},
        },
      ],
      `confirm/${consent.id}`,
    );
  } catch (error) {
    result = { kind: "unknown", status: null, message: String(error) };
  }
  const attempts = consent.attempts + 1;
  if (result.kind === "sent") {
    // The provider's id: a bounce or complaint about this email finds its reader by it (feedback/feedback-queries.ts).
    await db
      .prepare(sql.markSent)
      .bind(consent.id, attempts, result.ids[0] ?? null)
      .run();
    return "sent";
  }
  const nextAt = now + (result.kind === "rate_limited" ? result.retryAfterMs : backoffMs(attempts));
  // Past the link's expiry, or refused again and again: nothing left to retry.
  const giveUp = nextAt > consent.expiresAt || (result.kind === "rejected" && attempts >= MAX_REFUSALS);
  console.error(
    "confirmation email not sent",
    consent.id,
    result.kind,
    result.message,
    giveUp ? "(given up)" : "(queued for retry)",
  );
  await db
    .prepare(sql.markNotSent)
    .bind(consent.id, giveUp ? "failed" : "queued", attempts, giveUp ? null : nextAt, result.message.slice(0, 500))
    .run();
  return "not_sent";
}

/** Not tried: due again at `retryAt` (no attempt counted), or given up if its link would have expired by then. */
async function holdUntil<T extends ConfirmationOutcome>(
  db: D1Database,
  consent: QueuedConfirmation,
  retryAt: number,
  outcome: T,
): Promise<T> {
  const hold =
    retryAt > consent.expiresAt
      ? db.prepare(sql.giveUp).bind(consent.id, "held past its link's expiry")
      : db.prepare(sql.hold).bind(consent.id, retryAt);
  await hold.run();
  return outcome;
}

/**
 * The cron's part: confirmation emails whose first attempt failed (or never finished), those held by a cap or
 * the team's rate, and those of imported readers (queued with spaced due times). Stops at the first one that
 * nothing else could follow this tick (the global cap, no provider slot).
 */
export async function retryConfirmationEmails(deps: ConfirmationDeps): Promise<number> {
  const { db } = deps;
  const now = deps.clock();
  // One tick, one instant: every send of it is judged at the time it was leased.
  const tick = { ...deps, clock: () => now };
  const { results: due } = await db
    .prepare(sql.due)
    .bind(now, RETRIES_PER_RUN)
    .all<Omit<QueuedConfirmation, "expiresAt"> & { expiresAt: number | null; status: SubscriberStatus }>();
  let sent = 0;
  for (const row of due) {
    // Taken with a lease first, so two overlapping ticks never send the same consent at once.
    const leased = await db
      .prepare(sql.lease)
      .bind(row.id, now + INLINE_SEND_LEASE_MS, now)
      .first();
    if (!leased) continue;
    if (row.status === "bounced" || row.status === "complained" || row.expiresAt === null) {
      await db.prepare(sql.suppress).bind(row.id).run();
      continue;
    }
    const outcome = await sendConfirmationEmail(tick, { ...row, expiresAt: row.expiresAt });
    if (outcome === "sent") sent++;
    if (outcome === "held") break;
  }
  return sent;
}

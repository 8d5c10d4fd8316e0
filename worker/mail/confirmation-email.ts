import { and, eq, isNotNull, lte, sql } from "drizzle-orm";
import { consents, subscribers } from "../../db/schema";
import { readConfig, type Config } from "../config";
import { findSeries } from "../content/catalog";
import { fillTemplate } from "../content/fill-template";
import { getDb, type Database } from "../db";
import type { Env } from "../env";
import { createMailer } from "./create-mailer";
import type { BatchResult, Mailer } from "./mailer";
import { D1Meter } from "../delivery/d1-meter";
import { takeConfirmationCaps } from "./confirmation-caps";
import { waitForProviderSlot } from "./provider-slot";
import { signConfirmToken } from "../tokens";

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
  db: Database,
  config: Config,
  mailer: Mailer,
  consent: QueuedConfirmation,
  now = Date.now(),
): Promise<ConfirmationOutcome> {
  const series = findSeries(consent.series);
  if (!series) {
    await db
      .update(consents)
      .set({ emailStatus: "failed", emailError: "series not in the catalog", emailNextAt: null })
      .where(eq(consents.id, consent.id));
    return "not_sent";
  }
  if (consent.form !== "import") {
    const caps = await takeConfirmationCaps(db.$client, config, consent, now);
    if (!caps.ok) return holdUntil(db, consent, caps.retryAt, caps.cap === "domain" ? "held_for_domain" : "held");
  }
  if (
    !(await waitForProviderSlot(
      { meter: new D1Meter(db.$client), clock: Date.now },
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
    // The provider's id: a bounce or complaint about this email finds its reader by it (feedback/queries.ts).
    await db
      .update(consents)
      .set({
        emailStatus: "sent",
        emailAttempts: attempts,
        emailNextAt: null,
        emailError: null,
        providerMessageId: result.ids[0] ?? null,
      })
      .where(eq(consents.id, consent.id));
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
    .update(consents)
    .set({
      emailStatus: giveUp ? "failed" : "queued",
      emailAttempts: attempts,
      emailNextAt: giveUp ? null : nextAt,
      emailError: result.message.slice(0, 500),
    })
    .where(eq(consents.id, consent.id));
  return "not_sent";
}

/** Not tried: due again at `retryAt` (no attempt counted), or given up if its link would have expired by then. */
async function holdUntil<T extends ConfirmationOutcome>(
  db: Database,
  consent: QueuedConfirmation,
  retryAt: number,
  outcome: T,
): Promise<T> {
  const expired = retryAt > consent.expiresAt;
  await db
    .update(consents)
    .set(
      expired
        ? { emailStatus: "failed", emailNextAt: null, emailError: "held past its link's expiry" }
        : { emailNextAt: retryAt },
    )
    .where(eq(consents.id, consent.id));
  return outcome;
}

/** Consents whose confirmation email is due for another try, oldest due first (exported for the query-plan test). */
export function dueConfirmations(db: Database, now: number) {
  return (
    db
      .select({
        id: consents.id,
        series: consents.series,
        expiresAt: consents.expiresAt,
        attempts: consents.emailAttempts,
        form: consents.form,
        email: subscribers.email,
        status: subscribers.status,
      })
      .from(consents)
      .innerJoin(subscribers, eq(subscribers.id, consents.subscriberId))
      // The literal 'queued' (not a bound value) lets SQLite use the partial index consents_email_next_at_idx.
      .where(
        and(sql`${consents.emailStatus} = 'queued'`, isNotNull(consents.emailNextAt), lte(consents.emailNextAt, now)),
      )
      .orderBy(consents.emailNextAt)
      .limit(RETRIES_PER_RUN)
  );
}

/**
 * The cron's part: confirmation emails whose first attempt failed (or never finished), those held by a cap or
 * the team's rate, and those of imported readers (queued with spaced due times). Stops at the first one that
 * nothing else could follow this tick (the global cap, no provider slot).
 */
export async function resendQueuedConfirmations(
  db: Database,
  config: Config,
  mailer: Mailer,
  now = Date.now(),
): Promise<number> {
  const due = await dueConfirmations(db, now);
  let sent = 0;
  for (const row of due) {
    // Taken with a lease first, so two overlapping ticks never send the same consent at once.
    const [leased] = await db
      .update(consents)
      .set({ emailNextAt: now + INLINE_SEND_LEASE_MS })
      .where(and(eq(consents.id, row.id), eq(consents.emailStatus, "queued"), lte(consents.emailNextAt, now)))
      .returning({ id: consents.id });
    if (!leased) continue;
    if (row.status === "bounced" || row.status === "complained" || row.expiresAt === null) {
      await db
        .update(consents)
        .set({
          emailStatus: "failed",
          emailNextAt: null,
          emailError: sql`coalesce(${consents.emailError}, 'suppressed')`,
        })
        .where(eq(consents.id, row.id));
      continue;
    }
    const outcome = await sendConfirmationEmail(db, config, mailer, { ...row, expiresAt: row.expiresAt }, now);
    if (outcome === "sent") sent++;
    if (outcome === "held") break;
  }
  return sent;
}

/** Entry point for the scheduled handler. */
export function retryConfirmationEmails(env: Env, now = Date.now()): Promise<number> {
  const config = readConfig(env);
  return resendQueuedConfirmations(getDb(env.DB), config, createMailer(env, config), now);
}

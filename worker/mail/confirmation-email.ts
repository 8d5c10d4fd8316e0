import { and, eq, isNotNull, lte, sql } from "drizzle-orm";
import { consents, subscribers } from "../../db/schema";
import { readConfig, type Config } from "../config";
import { findSeries } from "../content/catalog";
import { fillTemplate } from "../content/fill-template";
import { getDb, type Database } from "../db";
import type { Env } from "../env";
import { createMailer } from "./index";
import type { BatchResult, Mailer } from "./mailer";
import { D1Meter } from "../delivery/d1-meter";
import { waitForProviderSlot } from "./provider-slot";
import { signConfirmToken } from "../tokens";

/** The signup's own attempt owns a new consent's email this long before the cron may retry it. */
export const INLINE_SEND_LEASE_MS = 2 * 60 * 1000;
/** A refused email (4xx) is tried this often before it is given up. */
const MAX_REFUSALS = 5;
/** Consents the cron retries per tick (each is one provider call). */
export const RETRIES_PER_RUN = 20;

export interface QueuedConfirmation {
  id: number;
  series: string;
  expiresAt: number;
  attempts: number;
  email: string;
}

const backoffMs = (attempts: number) => Math.min(60_000 * 2 ** attempts, 60 * 60 * 1000);

/**
 * Sends the confirmation email of one consent and records the outcome on it. True when the provider took
 * it; otherwise it stays queued for the cron (same idempotency key, so a retry after an unknown outcome
 * cannot mail it twice). The reader's name is never in it: the address is not proven yet.
 */
export async function sendConfirmationEmail(
  db: Database,
  config: Config,
  mailer: Mailer,
  consent: QueuedConfirmation,
  now = Date.now(),
): Promise<boolean> {
  const series = findSeries(consent.series);
  if (!series) {
    await db.update(consents).set({ emailStatus: "failed", emailError: "series not in the catalog", emailNextAt: null }).where(eq(consents.id, consent.id));
    return false;
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
      [{ from: config.mailFrom, to: consent.email, subject: filled.subject, html: filled.html, text: filled.text, headers: {} }],
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
      .set({ emailStatus: "sent", emailAttempts: attempts, emailNextAt: null, emailError: null, providerMessageId: result.ids[0] ?? null })
      .where(eq(consents.id, consent.id));
    return true;
  }
  const nextAt = now + (result.kind === "rate_limited" ? result.retryAfterMs : backoffMs(attempts));
  // Past the link's expiry, or refused again and again: nothing left to retry.
  const giveUp = nextAt > consent.expiresAt || (result.kind === "rejected" && attempts >= MAX_REFUSALS);
  console.error("confirmation email not sent", consent.id, result.kind, result.message, giveUp ? "(given up)" : "(queued for retry)");
  await db
    .update(consents)
    .set({ emailStatus: giveUp ? "failed" : "queued", emailAttempts: attempts, emailNextAt: giveUp ? null : nextAt, emailError: result.message.slice(0, 500) })
    .where(eq(consents.id, consent.id));
  return false;
}

/** Consents whose confirmation email is due for another try, oldest due first (exported for the query-plan test). */
export function dueConfirmations(db: Database, now: number) {
  return db
    .select({ id: consents.id, series: consents.series, expiresAt: consents.expiresAt, attempts: consents.emailAttempts, email: subscribers.email, status: subscribers.status })
    .from(consents)
    .innerJoin(subscribers, eq(subscribers.id, consents.subscriberId))
    // The literal 'queued' (not a bound value) lets SQLite use the partial index consents_email_next_at_idx.
    .where(and(sql`${consents.emailStatus} = 'queued'`, isNotNull(consents.emailNextAt), lte(consents.emailNextAt, now)))
    .orderBy(consents.emailNextAt)
    .limit(RETRIES_PER_RUN);
}

/**
 * The cron's part: confirmation emails whose first attempt failed (or never finished), and those of imported
 * readers (queued with spaced due times). Each takes a slot of the team's provider rate limit first.
 */
export async function resendQueuedConfirmations(db: Database, config: Config, mailer: Mailer, now = Date.now()): Promise<number> {
  const due = await dueConfirmations(db, now);
  let sent = 0;
  for (const row of due) {
    if (!(await waitForProviderSlot(new D1Meter(db.$client), mailer.name, config.providerRps))) break;
    // Taken with a lease first, so two overlapping ticks never send the same consent at once.
    const [leased] = await db
      .update(consents)
      .set({ emailNextAt: now + INLINE_SEND_LEASE_MS })
      .where(and(eq(consents.id, row.id), eq(consents.emailStatus, "queued"), lte(consents.emailNextAt, now)))
      .returning({ id: consents.id });
    if (!leased) continue;
    if (row.status === "bounced" || row.status === "complained" || row.expiresAt === null) {
      await db.update(consents).set({ emailStatus: "failed", emailNextAt: null, emailError: sql`coalesce(${consents.emailError}, 'suppressed')` }).where(eq(consents.id, row.id));
      continue;
    }
    if (await sendConfirmationEmail(db, config, mailer, { ...row, expiresAt: row.expiresAt }, now)) sent++;
  }
  return sent;
}

/** Entry point for the scheduled handler. */
export function retryConfirmationEmails(env: Env, now = Date.now()): Promise<number> {
  const config = readConfig(env);
  return resendQueuedConfirmations(getDb(env.DB), config, createMailer(env, config), now);
}

import { and, eq } from "drizzle-orm";
import { subscribers, subscriptions } from "../../db/schema";
import type { Config } from "../config";
import type { CompiledSeries } from "../content/types";
import type { Database } from "../db";
import type { Mailer } from "../mail/create-mailer";
import { keyedHash } from "../lib/crypto";
import { CONFIRM_TOKEN_TTL_MS } from "../tokens";
import { INLINE_SEND_LEASE_MS, sendConfirmationEmail } from "../mail/confirmation-email";
import { emailKey } from "./email-address";
import { mailboxKey } from "./mailbox-key";
import { referrerOf } from "./referral";
import { countSignup } from "../stats/growth-counters";
import { DAY_MS } from "../lib/durations";

/** Bump when the consent line on the signup page changes: each consent records the version the reader saw. */
export const CONSENT_TEXT_VERSION = "2026-11-25";

/**
 * Confirmation emails one mailbox may receive per day, whoever asks and however the address is spelled
 * (mailbox-key.ts): the form cannot be used to mail-bomb an inbox.
 */
export const CONFIRMATIONS_PER_DAY = 3;

/**
 * The consent, inserted only while its mailbox had fewer than CONFIRMATIONS_PER_DAY confirmation emails in the
 * last day: counted and inserted in one statement, so concurrent signups cannot both slip under the cap. The
 * count reads consents_mailbox_key_idx: at most the cap's rows, whatever the number of spellings. ?1 subscriber,
 * ?2 series, ?3 form, ?4 consent text version, ?5 ip hash, ?6 user-agent hash, ?7 now, ?8 expires at, ?9 name,
 * ?10 timezone, ?11 email due at (the inline send's lease), ?12 mailbox key, ?13 now minus a day, ?14 the cap.
 */
export const insertConsentSql = `INSERT INTO consents (subscriber_id, series, form, consent_text_version, ip_hash, user_agent_hash,
    created_at, expires_at, pending_name, pending_timezone, email_status, email_attempts, email_next_at, mailbox_key)
  SELECT ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'queued', 0, ?11, ?12
  WHERE (SELECT count(*) FROM consents WHERE mailbox_key = ?12 AND created_at > ?13 AND email_status IS NOT NULL) < ?14
  RETURNING id`;

export interface SubscribeInput {
  email: string;
  name?: string;
  series: CompiledSeries;
  timezone?: string;
  ip?: string;
  userAgent?: string;
  form: "signup-form" | "api" | "resubscribe";
  /** The referral token from a reader's shared link; only a NEW reader is attributed to its referrer. */
  ref?: string;
}

/** What happened, for logs and tests only: every caller answers the reader the same way (no enumeration). */
export type SubscribeResult =
  | "confirmation_sent"
  | "confirmation_queued"
  | "already_subscribed"
  | "suppressed"
  | "throttled";

/**
 * Double opt-in: creates (or reuses) the reader and their subscription to the series as pending, records the
 * consent with what the signup asked for (name, timezone: applied only on confirmation, so an unproven signup
 * never changes a reader), and mails a link bound to that consent. Readers whose address bounced or complained
 * get no mail; a mailbox that already had CONFIRMATIONS_PER_DAY links today gets none either. Runs after the
 * answer (waitUntil): a send that failed, or was held by an hourly cap or the team's provider rate, stays
 * queued on the consent and the cron sends it.
 */
export async function subscribe(
  db: Database,
  config: Config,
  mailer: Mailer,
  input: SubscribeInput,
  now = Date.now(),
): Promise<SubscribeResult> {
  const key = emailKey(input.email);
  // Attributed to a NEW reader only: for an address we know, the insert does nothing.
  const referral = await referrerOf(db, config.keyring, input.ref, input.series.slug);
  await db
    .insert(subscribers)
    .values({ email: input.email, emailKey: key, status: "pending", createdAt: now, updatedAt: now, ...referral })
    .onConflictDoNothing({ target: subscribers.emailKey });
  const reader = (await db.query.subscribers.findFirst({ where: eq(subscribers.emailKey, key) }))!;
  if (reader.status === "bounced" || reader.status === "complained") return "suppressed";

  const subscription = await db.query.subscriptions.findFirst({
    where: and(eq(subscriptions.subscriberId, reader.id), eq(subscriptions.series, input.series.slug)),
  });
  if (reader.status === "active" && subscription?.status === "active") return "already_subscribed";
  if (!subscription) {
    await db
      .insert(subscriptions)
      .values({ subscriberId: reader.id, series: input.series.slug, status: "pending", createdAt: now, updatedAt: now })
      .onConflictDoNothing();
  }

  const [ipHash, userAgentHash] = await Promise.all([
    input.ip ? keyedHash(config.hashSecret, "ip", input.ip) : null,
    input.userAgent ? keyedHash(config.hashSecret, "userAgent", input.userAgent) : null,
  ]);
  const expiresAt = now + CONFIRM_TOKEN_TTL_MS;
  // The inline send below owns the row for a while (email_next_at) before the cron may retry it.
  // The signup's day counter commits with the consent (it counts nothing when the insert was throttled).
  const d1 = db.$client;
  const [inserted] = await d1.batch<{ id: number }>([
    d1
      .prepare(insertConsentSql)
      .bind(
        reader.id,
        input.series.slug,
        input.form,
        CONSENT_TEXT_VERSION,
        ipHash,
        userAgentHash,
        now,
        expiresAt,
        input.name?.trim() || null,
        input.timezone ?? null,
        now + INLINE_SEND_LEASE_MS,
        mailboxKey(reader.email),
        now - DAY_MS,
        CONFIRMATIONS_PER_DAY,
      ),
    countSignup(d1, input.series.slug, reader.id, now),
  ]);
  const consentId = inserted!.results[0]?.id;
  if (consentId === undefined) return "throttled";

  const outcome = await sendConfirmationEmail(
    db,
    config,
    mailer,
    { id: consentId, series: input.series.slug, expiresAt, attempts: 0, email: reader.email, form: input.form },
    now,
  );
  return outcome === "sent" ? "confirmation_sent" : "confirmation_queued";
}

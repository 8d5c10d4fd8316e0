import { and, eq, sql } from "drizzle-orm";
import { subscribers, subscriptions } from "../../db/schema";
import type { Config } from "../config";
import type { CompiledSeries } from "../content/types";
import type { Database } from "../db";
import type { Mailer } from "../mail";
import { keyedHash } from "../lib/crypto";
import { CONFIRM_TOKEN_TTL_MS } from "../tokens";
import { INLINE_SEND_LEASE_MS, sendConfirmationEmail } from "../mail/confirmation-email";
import { emailKey } from "./email-address";
import { referrerOf } from "./referral";
import { insertConsentCounted } from "../stats/growth-counters";

/** Bump when the consent line on the signup page changes: each consent records the version the reader saw. */
export const CONSENT_TEXT_VERSION = "2026-11-25";

/** Confirmation emails one address may receive per day, whoever asks (the form cannot be used to mail-bomb). */
export const CONFIRMATIONS_PER_DAY = 3;
const DAY_MS = 24 * 60 * 60 * 1000;

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
export type SubscribeResult = "confirmation_sent" | "confirmation_queued" | "already_subscribed" | "suppressed" | "throttled";

/**
 * Double opt-in: creates (or reuses) the reader and their subscription to the series as pending, records the
 * consent with what the signup asked for (name, timezone: applied only on confirmation, so an unproven signup
 * never changes a reader), and mails a link bound to that consent. Readers whose address bounced or complained
 * get no mail; an address that already had CONFIRMATIONS_PER_DAY links today gets none either. Runs after the
 * answer (waitUntil): a failed send stays queued on the consent and the cron retries it.
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
    input.ip ? keyedHash(config.hashSecret, input.ip) : null,
    input.userAgent ? keyedHash(config.hashSecret, input.userAgent) : null,
  ]);
  const expiresAt = now + CONFIRM_TOKEN_TTL_MS;
  // Counted and inserted in one statement, so concurrent signups cannot both slip under the daily limit.
  // The inline send below owns the row for a while (email_next_at) before the cron may retry it.
  const inserted = await insertConsentCounted(db, input.series.slug, reader.id, now, sql`
    INSERT INTO consents (subscriber_id, series, form, consent_text_version, ip_hash, user_agent_hash, created_at,
      expires_at, pending_name, pending_timezone, email_status, email_attempts, email_next_at)
    SELECT ${reader.id}, ${input.series.slug}, ${input.form}, ${CONSENT_TEXT_VERSION}, ${ipHash}, ${userAgentHash}, ${now},
      ${expiresAt}, ${input.name?.trim() || null}, ${input.timezone ?? null}, 'queued', 0, ${now + INLINE_SEND_LEASE_MS}
    WHERE (SELECT count(*) FROM consents WHERE subscriber_id = ${reader.id} AND created_at > ${now - DAY_MS}
      AND email_status IS NOT NULL) < ${CONFIRMATIONS_PER_DAY}
    RETURNING id`);
  const consentId = inserted[0]?.id;
  if (consentId === undefined) return "throttled";

  const sent = await sendConfirmationEmail(
    db,
    config,
    mailer,
    { id: consentId, series: input.series.slug, expiresAt, attempts: 0, email: reader.email },
    now,
  );
  return sent ? "confirmation_sent" : "confirmation_queued";
}

import type { SubscriberStatus, SubscriptionStatus } from "../../db/schema";
import type { AppDeps } from "../app-deps";
import type { CompiledSeries } from "../content/types";
import { keyedHash } from "../lib/crypto";
import { CONFIRM_TOKEN_TTL_MS } from "../tokens";
import { INLINE_SEND_LEASE_MS, sendConfirmationEmail } from "../mail/confirmation-email";
import { emailKey } from "./email-address";
import { mailboxKey } from "./mailbox-key";
import { referrerOf } from "./referral";
import { countSignup } from "../stats/growth-queries";
import { DAY_MS } from "../lib/durations";
import { insertConsentSql, subscribeSql } from "./subscriber-queries";

/** Bump when the consent line on the signup page changes: each consent records the version the reader saw. */
export const CONSENT_TEXT_VERSION = "2026-11-25";

/**
 * Confirmation emails one mailbox may receive per day, whoever asks and however the address is spelled
 * (mailbox-key.ts): the form cannot be used to mail-bomb an inbox.
 */
export const CONFIRMATIONS_PER_DAY = 3;

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
  deps: Pick<AppDeps, "db" | "config" | "mailer" | "clock">,
  input: SubscribeInput,
): Promise<SubscribeResult> {
  const { db, config } = deps;
  const now = deps.clock();
  const key = emailKey(input.email);
  // Attributed to a NEW reader only: for an address we know, the insert does nothing.
  const referral = await referrerOf(deps, { ref: input.ref, series: input.series.slug });
  await db
    .prepare(subscribeSql.insertReader)
    .bind(input.email, key, now, referral?.referrerId ?? null, referral?.referralPartId ?? null)
    .run();
  const reader = (await db
    .prepare(subscribeSql.readerByKey)
    .bind(key)
    .first<{ id: number; email: string; status: SubscriberStatus }>())!;
  if (reader.status === "bounced" || reader.status === "complained") return "suppressed";

  const subscription = await db
    .prepare(subscribeSql.subscription)
    .bind(reader.id, input.series.slug)
    .first<{ id: number; status: SubscriptionStatus }>();
  if (reader.status === "active" && subscription?.status === "active") return "already_subscribed";
  if (!subscription) await db.prepare(subscribeSql.insertSubscription).bind(reader.id, input.series.slug, now).run();

  const [ipHash, userAgentHash] = await Promise.all([
    input.ip ? keyedHash(config.hashSecret, "ip", input.ip) : null,
    input.userAgent ? keyedHash(config.hashSecret, "userAgent", input.userAgent) : null,
  ]);
  const expiresAt = now + CONFIRM_TOKEN_TTL_MS;
  // The inline send below owns the row for a while (email_next_at) before the cron may retry it.
  // The signup's day counter commits with the consent (it counts nothing when the insert was throttled).
  const [inserted] = await db.batch<{ id: number }>([
    db
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
    countSignup(db, input.series.slug, reader.id, now),
  ]);
  const consentId = inserted!.results[0]?.id;
  if (consentId === undefined) return "throttled";

  // At the signup's instant: its lease (email_next_at) was set from it.
  const outcome = await sendConfirmationEmail(
    { ...deps, clock: () => now },
    {
      id: consentId,
      series: input.series.slug,
      expiresAt,
      attempts: 0,
      email: reader.email,
      form: input.form,
    },
  );
  return outcome === "sent" ? "confirmation_sent" : "confirmation_queued";
}

import { and, eq } from "drizzle-orm";
import { consents, subscribers, subscriptions } from "../../db/schema";
import type { Config } from "../config";
import { fillTemplate } from "../content/fill-template";
import type { CompiledSeries } from "../content/types";
import type { Database } from "../db";
import type { Mailer } from "../mail";
import { keyedHash } from "../lib/crypto";
import { CONFIRM_TOKEN_TTL_MS, signToken } from "../tokens";
import { emailKey } from "./email-address";
import { referrerOf } from "./referral";

/** Bump when the consent line on the signup page changes: each consent records the version the reader saw. */
export const CONSENT_TEXT_VERSION = "2026-11-25";

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
export type SubscribeResult = "confirmation_sent" | "already_subscribed" | "suppressed";

/**
 * Double opt-in: records the consent, creates (or reuses) the reader and their subscription to the series as
 * pending, and mails a confirmation link. A reader who unsubscribed must confirm again. Readers whose address
 * bounced or complained get no mail (only a later confirm click from them could reactivate).
 */
export async function subscribe(
  db: Database,
  config: Config,
  mailer: Mailer,
  input: SubscribeInput,
  now = Date.now(),
): Promise<SubscribeResult> {
  const key = emailKey(input.email);
  const name = input.name?.trim() || null;
  let subscriber = await db.query.subscribers.findFirst({ where: eq(subscribers.emailKey, key) });
  if (!subscriber) {
    const referral = await referrerOf(db, config.signingSecret, input.ref, input.series.slug);
    [subscriber] = await db
      .insert(subscribers)
      .values({ email: input.email, emailKey: key, name, status: "pending", timezone: input.timezone ?? null, createdAt: now, updatedAt: now, ...referral })
      .onConflictDoUpdate({ target: subscribers.emailKey, set: { updatedAt: now } })
      .returning();
  }
  const reader = subscriber!;
  if (reader.status === "bounced" || reader.status === "complained") return "suppressed";

  const subscription = await db.query.subscriptions.findFirst({
    where: and(eq(subscriptions.subscriberId, reader.id), eq(subscriptions.series, input.series.slug)),
  });
  if (reader.status === "active" && subscription?.status === "active") return "already_subscribed";

  const [ipHash, userAgentHash] = await Promise.all([
    input.ip ? keyedHash(config.signingSecret, input.ip) : null,
    input.userAgent ? keyedHash(config.signingSecret, input.userAgent) : null,
  ]);
  await db.batch([
    db.insert(consents).values({
      subscriberId: reader.id,
      series: input.series.slug,
      form: input.form,
      consentTextVersion: CONSENT_TEXT_VERSION,
      ipHash,
      userAgentHash,
      createdAt: now,
    }),
    db
      .insert(subscriptions)
      .values({ subscriberId: reader.id, series: input.series.slug, status: "pending", createdAt: now, updatedAt: now })
      .onConflictDoNothing(),
    // A pending reader may correct their name or timezone by signing up again; an active one keeps theirs.
    db
      .update(subscribers)
      .set(reader.status === "active" ? { updatedAt: now } : { name: name ?? reader.name, timezone: input.timezone ?? reader.timezone, updatedAt: now })
      .where(eq(subscribers.id, reader.id)),
  ]);

  await sendConfirmation(config, mailer, reader.id, input.email, name ?? reader.name, input.series, now);
  return "confirmation_sent";
}

async function sendConfirmation(
  config: Config,
  mailer: Mailer,
  subscriberId: number,
  email: string,
  name: string | null,
  series: CompiledSeries,
  now: number,
) {
  const token = await signToken(config.signingSecret, { purpose: "confirm", subscriberId, series: series.slug }, now + CONFIRM_TOKEN_TTL_MS);
  const filled = fillTemplate(series.confirmation, {
    name: name?.trim() || "there",
    base_url: config.publicUrl,
    confirm_url: `${config.publicUrl}/confirm/${token}`,
    postal_address: config.postalAddress,
  });
  const result = await mailer.sendBatch(
    [{ from: config.mailFrom, to: email, subject: filled.subject, html: filled.html, text: filled.text, headers: {} }],
    `confirm/${subscriberId}/${series.slug}/${now}`,
  );
  if (result.kind !== "sent") console.error("confirmation email not sent", subscriberId, result);
}

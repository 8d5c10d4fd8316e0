import { and, desc, eq } from "drizzle-orm";
import { consents, subscribers, subscriptions } from "../../db/schema";
import { findSeries } from "../content/catalog";
import { releasedSeries } from "../content/release";
import type { CompiledSeries } from "../content/types";
import type { Database } from "../db";
import { dueAtForPart } from "../delivery/schedule";
import { countConfirmation } from "../stats/growth-counters";

/**
 * - waiting: this consent may be confirmed now (the GET page shows its button);
 * - confirmed: this consent was confirmed and the reader still reads the series;
 * - used: nothing waits for this link: confirmed earlier and unsubscribed since, replaced by a newer signup,
 *   expired, or the reader unsubscribed (or bounced) after asking for it.
 */
export type ConsentState =
  | {
      kind: "waiting" | "confirmed" | "used";
      series: CompiledSeries;
      email: string;
      firstPartAt: number | null;
      subscriptionId: number;
    }
  | { kind: "not_found" };

/** Guard of the later statements: this request's claim of the consent (?1) at ?2 went through. */
const claimed = "EXISTS (SELECT 1 FROM consents WHERE id = ?1 AND confirmed_at = ?2)";

/** The confirm, one transaction; ?1 consent id, ?2 now. Exported for the query-plan test. */
export const confirmSql = {
  /** Only the newest consent of its reader and series, unexpired, and not voided by a later unsubscribe or bounce. */
  claimConsent: `UPDATE consents SET confirmed_at = ?2, email_next_at = NULL,
      email_status = CASE WHEN email_status = 'queued' THEN 'sent' ELSE email_status END
    WHERE id = ?1 AND confirmed_at IS NULL AND expires_at >= ?2
      AND NOT EXISTS (SELECT 1 FROM consents newer WHERE newer.subscriber_id = consents.subscriber_id
        AND newer.series = consents.series AND newer.id > consents.id)
      AND EXISTS (SELECT 1 FROM subscribers s WHERE s.id = consents.subscriber_id AND s.status NOT IN ('bounced', 'complained')
        AND (s.unsubscribed_at IS NULL OR s.unsubscribed_at < consents.created_at))`,
  /** ?3 reader, ?4 the name asked for (null keeps theirs), ?5 timezone. */
  activateReader: `UPDATE subscribers SET status = 'active', confirmed_at = ?2, unsubscribed_at = NULL, updated_at = ?2,
      name = coalesce(?4, name), timezone = ?5
    WHERE id = ?3 AND ${claimed}`,
  /** ?3 subscription, ?4 when its next part is due. */
  activateSubscription: `UPDATE subscriptions SET status = 'active', due_at = ?4, updated_at = ?2 WHERE id = ?3 AND ${claimed}`,
  recordEvent: `INSERT INTO events (subscriber_id, type, data, created_at) SELECT ?3, 'confirmed', ?4, ?2 WHERE ${claimed}`,
  /**
   * ?3 reader, ?4 series. A reader who came through a referral link counts on the referrer's part once, at
   * their first confirmation ever (confirmed_at is still null), and only in the series the link was for (the
   * one of their first signup).
   */
  countReferral: `INSERT INTO part_stats (series, part_id, referrals)
    SELECT ?4, referral_part_id, 1 FROM subscribers
    WHERE id = ?3 AND referrer_id IS NOT NULL AND referral_part_id IS NOT NULL AND confirmed_at IS NULL AND ${claimed}
      AND (SELECT series FROM consents WHERE subscriber_id = ?3 ORDER BY id LIMIT 1) = ?4
    ON CONFLICT (series, part_id) DO UPDATE SET referrals = referrals + 1`,
} as const;

async function readConsent(db: Database, consentId: number, now: number) {
  const consent = await db.query.consents.findFirst({ where: eq(consents.id, consentId) });
  const series = consent && findSeries(consent.series);
  if (!consent || !series) return null;
  const [reader, subscription, newest] = await Promise.all([
    db.query.subscribers.findFirst({ where: eq(subscribers.id, consent.subscriberId) }),
    db.query.subscriptions.findFirst({
      where: and(eq(subscriptions.subscriberId, consent.subscriberId), eq(subscriptions.series, consent.series)),
    }),
    db.query.consents.findFirst({
      columns: { id: true },
      where: and(eq(consents.subscriberId, consent.subscriberId), eq(consents.series, consent.series)),
      orderBy: desc(consents.id),
    }),
  ]);
  if (!reader || !subscription) return null;
  const active = reader.status === "active" && subscription.status === "active";
  const waiting =
    consent.confirmedAt === null &&
    consent.expiresAt !== null &&
    consent.expiresAt >= now &&
    newest?.id === consent.id &&
    reader.status !== "bounced" &&
    reader.status !== "complained" &&
    (reader.unsubscribedAt === null || reader.unsubscribedAt < consent.createdAt);
  const kind = waiting ? "waiting" : consent.confirmedAt !== null && active ? "confirmed" : "used";
  return {
    consent,
    series,
    reader,
    subscription,
    state: {
      kind,
      series,
      email: reader.email,
      firstPartAt: subscription.dueAt,
      subscriptionId: subscription.id,
    } as const,
  };
}

export type ConfirmResult =
  | ConsentState
  | {
      kind: "confirmed_now";
      series: CompiledSeries;
      email: string;
      firstPartAt: number | null;
      subscriptionId: number;
    };

/** What a confirm link would do, without doing it (GET and HEAD never change anything). */
export async function consentState(db: Database, consentId: number, now = Date.now()): Promise<ConsentState> {
  return (await readConsent(db, consentId, now))?.state ?? { kind: "not_found" };
}

/**
 * The confirm click: activates the reader and their subscription, and applies the name and timezone the
 * signup asked for when the reader never confirmed before. The next part (part 1 for a new reader, the next
 * unread one for a returning reader) is scheduled from now after its delay. Every write is conditional in one
 * transaction, so an unsubscribe (or a newer signup) that lands between the read and the write wins: the consent
 * is then "used" and nothing changes.
 */
export async function confirmConsent(db: Database, consentId: number, now = Date.now()): Promise<ConfirmResult> {
  const read = await readConsent(db, consentId, now);
  if (!read) return { kind: "not_found" };
  if (read.state.kind !== "waiting") return read.state;
  const { consent, series, reader, subscription } = read;
  // Anyone can sign an address up: what the signup asked about the reader (name, timezone) is applied only to a
  // reader proving the address for the first time, never to one who already reads (a stranger cannot rename them).
  const firstConfirmation = reader.confirmedAt === null;
  const name = firstConfirmation ? consent.pendingName : null;
  const timezone = firstConfirmation ? (consent.pendingTimezone ?? reader.timezone) : reader.timezone;
  // A part written ahead is not due before its release: the cycle wakes the reader then.
  const dueAt = subscription.batchId
    ? subscription.dueAt
    : dueAtForPart(releasedSeries(series, now), subscription.nextPart, now, timezone, subscription.sendHour);

  const d1 = db.$client;
  await d1.batch([
    d1.prepare(confirmSql.claimConsent).bind(consent.id, now),
    // Before activateReader: it sets the confirmed_at this statement reads.
    d1.prepare(confirmSql.countReferral).bind(consent.id, now, reader.id, series.slug),
    d1.prepare(confirmSql.activateReader).bind(consent.id, now, reader.id, name, timezone),
    d1.prepare(confirmSql.activateSubscription).bind(consent.id, now, subscription.id, dueAt),
    d1
      .prepare(confirmSql.recordEvent)
      .bind(consent.id, now, reader.id, JSON.stringify({ series: series.slug, consentId: consent.id })),
    countConfirmation(d1, series.slug, consent.id, now),
  ]);
  const after = await db.query.consents.findFirst({
    columns: { confirmedAt: true },
    where: eq(consents.id, consent.id),
  });
  if (after?.confirmedAt !== now) return { ...read.state, kind: "used" };
  return { kind: "confirmed_now", series, email: reader.email, firstPartAt: dueAt, subscriptionId: subscription.id };
}

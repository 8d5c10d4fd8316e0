import type { consents, subscribers, subscriptions } from "../../db/schema";
import type { AppDeps } from "../app-deps";
import { findSeries } from "../content/catalog";
import { releasedSeries } from "../content/release";
import type { CompiledSeries } from "../content/types";
import { dueAtForPart } from "../delivery/schedule";
import { countConfirmation } from "../stats/growth-queries";
import { confirmSql } from "./subscriber-queries";

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

type ConsentRow = Pick<
  typeof consents.$inferSelect,
  "id" | "subscriberId" | "series" | "createdAt" | "confirmedAt" | "expiresAt" | "pendingName" | "pendingTimezone"
>;
type ReaderRow = Pick<
  typeof subscribers.$inferSelect,
  "id" | "email" | "status" | "timezone" | "confirmedAt" | "unsubscribedAt"
>;
type SubscriptionRow = Pick<
  typeof subscriptions.$inferSelect,
  "id" | "status" | "nextPart" | "dueAt" | "batchId" | "sendHour"
>;

/** D1 and the time the link is judged at (its expiry, the next part's due time). */
type ConfirmDeps = Pick<AppDeps, "db" | "clock">;

async function readConsent(db: D1Database, consentId: number, now: number) {
  const consent = await db.prepare(confirmSql.consent).bind(consentId).first<ConsentRow>();
  const series = consent && findSeries(consent.series);
  if (!consent || !series) return null;
  const [reader, subscription, newest] = await Promise.all([
    db.prepare(confirmSql.reader).bind(consent.subscriberId).first<ReaderRow>(),
    db.prepare(confirmSql.subscription).bind(consent.subscriberId, consent.series).first<SubscriptionRow>(),
    db.prepare(confirmSql.newestConsent).bind(consent.subscriberId, consent.series).first<{ id: number }>(),
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
export async function consentState(deps: ConfirmDeps, consentId: number): Promise<ConsentState> {
  return (await readConsent(deps.db, consentId, deps.clock()))?.state ?? { kind: "not_found" };
}

/**
 * The confirm click: activates the reader and their subscription, and applies the name and timezone the
 * signup asked for when the reader never confirmed before. The next part (part 1 for a new reader, the next
 * unread one for a returning reader) is scheduled from now after its delay. Every write is conditional in one
 * transaction, so an unsubscribe (or a newer signup) that lands between the read and the write wins: the consent
 * is then "used" and nothing changes.
 */
export async function confirmConsent(deps: ConfirmDeps, consentId: number): Promise<ConfirmResult> {
  const { db } = deps;
  const now = deps.clock();
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

  await db.batch([
    db.prepare(confirmSql.claimConsent).bind(consent.id, now),
    // Before activateReader: it sets the confirmed_at this statement reads.
    db.prepare(confirmSql.countReferral).bind(consent.id, now, reader.id, series.slug),
    db.prepare(confirmSql.activateReader).bind(consent.id, now, reader.id, name, timezone),
    db.prepare(confirmSql.activateSubscription).bind(consent.id, now, subscription.id, dueAt),
    db
      .prepare(confirmSql.recordEvent)
      .bind(consent.id, now, reader.id, JSON.stringify({ series: series.slug, consentId: consent.id })),
    countConfirmation(db, series.slug, consent.id, now),
  ]);
  const after = await db.prepare(confirmSql.confirmedAt).bind(consent.id).first<{ confirmedAt: number | null }>();
  if (after?.confirmedAt !== now) return { ...read.state, kind: "used" };
  return { kind: "confirmed_now", series, email: reader.email, firstPartAt: dueAt, subscriptionId: subscription.id };
}

import type { SubscriberStatus, SubscriptionStatus } from "../../db/schema";
import { hasPart, parseReceivedParts } from "../delivery/delivery-archive";
import { DAY_MS } from "../lib/durations";

/** The type of the events a "next part now" press records: the daily cap counts them. */
export const NEXT_PART_NOW_EVENT = "next_part_now";

/** One subscription as its preference page shows it, with its reader. */
export interface PreferenceState {
  subscriptionId: number;
  subscriberId: number;
  series: string;
  status: SubscriptionStatus;
  nextPart: number;
  dueAt: number | null;
  batchId: string | null;
  pausedUntil: number | null;
  sendHour: number | null;
  askedAt: number | null;
  lastSentAt: number | null;
  email: string;
  name: string | null;
  readerStatus: SubscriberStatus;
  timezone: string | null;
  /**
   * The parts this subscription received (or has on its way: status "claimed"), in the order they were sent: those
   * retention slimmed first (no delivery row left, sent on a UTC day), then the live ones.
   */
  received: ReceivedPartLine[];
  /** Every subscription of the reader (this one too): which series they read, and where they are in each. */
  subscriptions: {
    id: number;
    series: string;
    status: SubscriptionStatus;
    nextPart: number;
    sendHour: number | null;
  }[];
  /** Their "next part now" presses in the last day, and when the oldest of them was. */
  asksToday: number;
  oldestAskAt: number | null;
}

export type ReceivedPartLine =
  | { deliveryId: number; partId: string; sentAt: number | null; status: "claimed" | "sent" | "failed" }
  | { deliveryId: null; partId: string; sentOn: string; status: "sent" };

/**
 * ?1 subscription id, ?2 now minus a day. One round trip, each an index probe or a walk of this reader's own rows
 * (and part_refs, one row per part).
 */
export const readPreferencesSql = {
  subscription: `SELECT s.id AS subscriptionId, s.subscriber_id AS subscriberId, s.series, s.status, s.next_part AS nextPart,
      s.due_at AS dueAt, s.batch_id AS batchId, s.paused_until AS pausedUntil, s.send_hour AS sendHour, s.asked_at AS askedAt,
      s.last_sent_at AS lastSentAt, p.email, p.name, p.status AS readerStatus, p.timezone
    FROM subscriptions s JOIN subscribers p ON p.id = s.subscriber_id WHERE s.id = ?1`,
  received: `SELECT id AS deliveryId, part_id AS partId, sent_at AS sentAt, status FROM deliveries WHERE subscription_id = ?1 ORDER BY id`,
  /** What retention kept of its older deliveries (deliveries/delivery-archive.ts), by primary key. */
  receivedBefore: `SELECT parts FROM received_parts WHERE subscription_id = ?1`,
  /** The parts those name: part_refs has one row per part of the catalog, so this reads a small table whole. */
  partRefs: `SELECT id, part_id AS partId FROM part_refs
    WHERE EXISTS (SELECT 1 FROM received_parts rp WHERE rp.subscription_id = ?1 AND ${hasPart("rp.parts", "part_refs.id")})`,
  subscriptions: `SELECT id, series, status, next_part AS nextPart, send_hour AS sendHour FROM subscriptions
    WHERE subscriber_id = (SELECT subscriber_id FROM subscriptions WHERE id = ?1) ORDER BY id`,
  asks: `SELECT count(*) AS n, min(created_at) AS oldest FROM events
    WHERE subscriber_id = (SELECT subscriber_id FROM subscriptions WHERE id = ?1) AND created_at > ?2 AND type = '${NEXT_PART_NOW_EVENT}'`,
} as const;

/** The subscription's page data; null when it no longer exists (erased). */
export async function readPreferences(
  d1: D1Database,
  subscriptionId: number,
  now: number,
): Promise<PreferenceState | null> {
  const [subscription, received, receivedBefore, partRefs, subscriptions, asks] = await d1.batch([
    d1.prepare(readPreferencesSql.subscription).bind(subscriptionId),
    d1.prepare(readPreferencesSql.received).bind(subscriptionId),
    d1.prepare(readPreferencesSql.receivedBefore).bind(subscriptionId),
    d1.prepare(readPreferencesSql.partRefs).bind(subscriptionId),
    d1.prepare(readPreferencesSql.subscriptions).bind(subscriptionId),
    d1.prepare(readPreferencesSql.asks).bind(subscriptionId, now - DAY_MS),
  ]);
  const row = subscription!.results[0] as
    | Omit<PreferenceState, "received" | "subscriptions" | "asksToday" | "oldestAskAt">
    | undefined;
  if (!row) return null;
  const count = asks!.results[0] as { n: number; oldest: number | null };
  const refs = new Map((partRefs!.results as { id: number; partId: string }[]).map((ref) => [ref.id, ref.partId]));
  const slimmed = parseReceivedParts(
    (receivedBefore!.results[0] as { parts: string } | undefined)?.parts ?? "",
  ).flatMap(({ ref, sentOn }): ReceivedPartLine[] =>
    refs.has(ref) ? [{ deliveryId: null, partId: refs.get(ref)!, sentOn, status: "sent" }] : [],
  );
  return {
    ...row,
    received: [...slimmed, ...(received!.results as ReceivedPartLine[])],
    subscriptions: subscriptions!.results as PreferenceState["subscriptions"],
    asksToday: count.n,
    oldestAskAt: count.oldest,
  };
}

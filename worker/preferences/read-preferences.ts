import type { SubscriberStatus, SubscriptionStatus } from "../../db/schema";
import type { AppDeps } from "../app-deps";
import { parseReceivedParts } from "../delivery/delivery-archive";
import { DAY_MS } from "../lib/durations";
import { readPreferencesSql } from "./preference-queries";

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

/** The subscription's page data; null when it no longer exists (erased). */
export async function readPreferences(
  deps: Pick<AppDeps, "db" | "clock">,
  subscriptionId: number,
): Promise<PreferenceState | null> {
  const { db } = deps;
  const [subscription, received, receivedBefore, partRefs, subscriptions, asks] = await db.batch([
    db.prepare(readPreferencesSql.subscription).bind(subscriptionId),
    db.prepare(readPreferencesSql.received).bind(subscriptionId),
    db.prepare(readPreferencesSql.receivedBefore).bind(subscriptionId),
    db.prepare(readPreferencesSql.partRefs).bind(subscriptionId),
    db.prepare(readPreferencesSql.subscriptions).bind(subscriptionId),
    db.prepare(readPreferencesSql.asks).bind(subscriptionId, deps.clock() - DAY_MS),
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

import { eq } from "drizzle-orm";
import { subscribers } from "../../db/schema";
import { findReaderDelivery } from "../actions/reader-delivery";
import type { Database } from "../db";
import type { Keyring } from "../lib/keyring";

export interface UnsubscribeClaims {
  subscriberId: number;
  series: string;
}

/**
 * The reader and series an unsubscribe link stands for; null for a link that does not verify. Emails carry the
 * delivery's reader token (`/u/<kid>.<hidden id>.<tag>`, the signature of their action links).
 */
export async function readUnsubscribeLink(
  d1: D1Database,
  keyring: Keyring,
  token: string,
): Promise<UnsubscribeClaims | null> {
  const delivery = await findReaderDelivery(d1, keyring, token);
  return delivery && { subscriberId: delivery.subscriberId, series: delivery.series };
}

/** The reader a link names, for its page and the resubscribe form. */
export function findSubscriber(db: Database, subscriberId: number) {
  return db.query.subscribers.findFirst({ where: eq(subscribers.id, subscriberId) });
}

import { findReaderDelivery } from "../actions/reader-delivery";
import type { AppDeps } from "../app-deps";
import { DELIVERY_TOKEN, verifyToken } from "../tokens";

export interface UnsubscribeClaims {
  subscriberId: number;
  series: string;
}

/**
 * The reader and series an unsubscribe link stands for; null for a link that does not verify. Emails carry the
 * delivery's reader token (`/u/<kid>.<hidden id>.<tag>`, the signature of their action links); older emails
 * carry a signed unsubscribe token, still honoured.
 */
export async function readUnsubscribeLink(
  deps: Pick<AppDeps, "db" | "config">,
  token: string,
): Promise<UnsubscribeClaims | null> {
  const { keyring } = deps.config;
  if (DELIVERY_TOKEN.test(token)) {
    const delivery = await findReaderDelivery(deps.db, keyring, token);
    return delivery && { subscriberId: delivery.subscriberId, series: delivery.series };
  }
  const check = await verifyToken(keyring, token, "unsubscribe");
  return check.ok ? check.claims : null;
}

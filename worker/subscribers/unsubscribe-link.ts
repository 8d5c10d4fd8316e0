import { findReaderDelivery } from "../actions/reader-delivery";
import type { AppDeps } from "../app-deps";

export interface UnsubscribeClaims {
  subscriberId: number;
  series: string;
}

/**
 * The reader and series an unsubscribe link stands for; null for a link that does not verify. Emails carry the
 * delivery's reader token (`/u/<kid>.<hidden id>.<tag>`, the signature of their action links).
 */
export async function readUnsubscribeLink(
  deps: Pick<AppDeps, "db" | "config">,
  token: string,
): Promise<UnsubscribeClaims | null> {
  const delivery = await findReaderDelivery(deps, token);
  return delivery && { subscriberId: delivery.subscriberId, series: delivery.series };
}

import { findDelivery } from "../delivery/find-delivery";
import type { Config } from "../config";
import { verifyReaderToken } from "../tokens";

/** The email a reader token was signed for: who got which part, and when it left. */
export interface ReaderDelivery {
  id: number;
  subscriptionId: number;
  subscriberId: number;
  series: string;
  /** The part it carried (its id: the part may have moved since). */
  partId: string;
  partNumber: number;
  sentAt: number | null;
}

/** Verifies a reader token and reads its delivery (live or slimmed); null for a bad token or an unknown delivery. */
export async function findReaderDelivery(
  deps: { db: D1Database; config: Pick<Config, "keyring"> },
  token: string,
): Promise<ReaderDelivery | null> {
  const deliveryId = await verifyReaderToken(deps.config.keyring, token);
  return deliveryId === null ? null : findDelivery(deps, deliveryId);
}

import { findDelivery } from "../delivery/find-delivery";
import type { Keyring } from "../lib/keyring";
import { PREFERENCES_TOKEN, verifyPreferencesToken, verifyReaderToken } from "../tokens";

export type PreferenceLink = { kind: "ok"; subscriptionId: number } | { kind: "invalid" } | { kind: "gone" };

/**
 * The subscription a preference link stands for: an email's reader token (`/prefs/<kid>.<hidden delivery id>.<tag>`,
 * the signature of its other links: its delivery names the subscription) or a preferences token (`s.…`, from the
 * thanks page). "gone": it verifies, but its delivery was erased.
 */
export async function readPreferenceLink(d1: D1Database, keyring: Keyring, token: string): Promise<PreferenceLink> {
  if (PREFERENCES_TOKEN.test(token)) {
    const subscriptionId = verifyPreferencesToken(keyring, token);
    return subscriptionId === null ? { kind: "invalid" } : { kind: "ok", subscriptionId };
  }
  const deliveryId = verifyReaderToken(keyring, token);
  if (deliveryId === null) return { kind: "invalid" };
  // Live or slimmed by retention: a link in an old email still finds its subscription.
  const delivery = await findDelivery({ db: d1 }, deliveryId);
  return delivery ? { kind: "ok", subscriptionId: delivery.subscriptionId } : { kind: "gone" };
}

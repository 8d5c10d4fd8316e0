import type { AppDeps } from "../app-deps";
import { findDelivery } from "../delivery/find-delivery";
import { PREFERENCES_TOKEN, verifyPreferencesToken, verifyReaderToken } from "../tokens";

export type PreferenceLink = { kind: "ok"; subscriptionId: number } | { kind: "invalid" } | { kind: "gone" };

/**
 * The subscription a preference link stands for: an email's reader token (`/prefs/<kid>.<hidden delivery id>.<tag>`,
 * the signature of its other links: its delivery names the subscription) or a preferences token (`s.…`, from the
 * thanks page). "gone": it verifies, but its delivery was erased.
 */
export async function readPreferenceLink(deps: Pick<AppDeps, "db" | "config">, token: string): Promise<PreferenceLink> {
  const { keyring } = deps.config;
  if (PREFERENCES_TOKEN.test(token)) {
    const subscriptionId = verifyPreferencesToken(keyring, token);
    return subscriptionId === null ? { kind: "invalid" } : { kind: "ok", subscriptionId };
  }
  const deliveryId = verifyReaderToken(keyring, token);
  if (deliveryId === null) return { kind: "invalid" };
  // Live or slimmed by retention: a link in an old email still finds its subscription.
  const delivery = await findDelivery(deps, deliveryId);
  return delivery ? { kind: "ok", subscriptionId: delivery.subscriptionId } : { kind: "gone" };
}

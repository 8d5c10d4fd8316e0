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
  const row = await d1.prepare("SELECT subscription_id AS id FROM deliveries WHERE id = ?1").bind(deliveryId).first<{ id: number }>();
  return row ? { kind: "ok", subscriptionId: row.id } : { kind: "gone" };
}

import type { AppDeps } from "../app-deps";
import { findDelivery } from "../delivery/find-delivery";
import { DELIVERY_TOKEN, verifyReferralToken } from "../tokens";

/** A referral token as it may appear in a link or form: checked before anything else looks at it. */
export const REFERRAL_PARAM = DELIVERY_TOKEN;

/**
 * Who brought a new reader to this series: the reader whose email carried the referral link, and which part.
 * A bad, unknown or other-series ref is ignored (null): a signup never fails because of it.
 */
export async function referrerOf(
  deps: Pick<AppDeps, "db" | "config">,
  { ref, series }: { ref: string | undefined; series: string },
): Promise<{ referrerId: number; referralPartId: string } | null> {
  if (!ref || !REFERRAL_PARAM.test(ref)) return null;
  const deliveryId = await verifyReferralToken(deps.config.keyring, ref);
  if (deliveryId === null) return null;
  // Live or slimmed: a referral link in an old email still credits its reader.
  const row = await findDelivery(deps, deliveryId);
  return row && row.series === series ? { referrerId: row.subscriberId, referralPartId: row.partId } : null;
}

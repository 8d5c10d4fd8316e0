import { eq, sql } from "drizzle-orm";
import { deliveries, partStats } from "../../db/schema";
import type { Database } from "../db";
import { verifyReferralToken } from "../tokens";

/** A referral token as it may appear in a link or form: checked before anything else looks at it. */
export const REFERRAL_PARAM = /^[1-9]\d{0,14}\.[A-Za-z0-9_-]{11,22}$/;

/**
 * Who brought a new reader to this series: the reader whose email carried the referral link, and which part.
 * A bad, unknown or other-series ref is ignored (null): a signup never fails because of it.
 */
export async function referrerOf(
  db: Database,
  secret: string,
  ref: string | undefined,
  series: string,
): Promise<{ referrerId: number; referralPart: number } | null> {
  if (!ref || !REFERRAL_PARAM.test(ref)) return null;
  const deliveryId = await verifyReferralToken(secret, ref);
  if (deliveryId === null) return null;
  const row = await db.query.deliveries.findFirst({
    columns: { subscriberId: true, partNumber: true, series: true },
    where: eq(deliveries.id, deliveryId),
  });
  return row && row.series === series ? { referrerId: row.subscriberId, referralPart: row.partNumber } : null;
}

/**
 * For confirmSubscription's batch: counts a referred reader on the referrer's part, once, at their first
 * confirmation (confirmed_at is never cleared afterwards). Null when there is nothing to count.
 */
export function countReferral(
  db: Database,
  reader: { referrerId: number | null; referralPart: number | null; confirmedAt: number | null },
  series: string,
) {
  if (reader.referrerId === null || reader.referralPart === null || reader.confirmedAt !== null) return null;
  return db
    .insert(partStats)
    .values({ series, partNumber: reader.referralPart, referrals: 1 })
    .onConflictDoUpdate({ target: [partStats.series, partStats.partNumber], set: { referrals: sql`${partStats.referrals} + 1` } });
}

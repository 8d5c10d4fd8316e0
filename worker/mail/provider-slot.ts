import { PROVIDER_SLOT_MAX_WAIT_MS } from "../delivery/context";
import type { D1Meter } from "../delivery/d1-meter";
import { sql } from "../delivery/delivery-queries";

/**
 * The provider's limit is per team, shared by every invocation (cron, consumers, admin, confirmations): each call
 * books the next slot of the one GCRA row in D1 and waits for it. False when the next free slot is too far ahead:
 * leave the email for a later run. The delivery engine passes its meter, so the booking is counted in its totals.
 */
export async function waitForProviderSlot(
  meter: Pick<D1Meter, "db" | "all">,
  provider: string,
  perSecond: number,
  clock: () => number = Date.now,
): Promise<boolean> {
  if (perSecond <= 0) return true;
  const interval = Math.ceil(1000 / perSecond);
  const takenAt = clock();
  const [booked] = await meter.all<{ slotAt: number }>(
    meter.db.prepare(sql.takeProviderSlot).bind(provider, takenAt, interval, PROVIDER_SLOT_MAX_WAIT_MS),
  );
  if (!booked) return false;
  const wait = booked.slotAt - takenAt;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  return true;
}

/** Seconds until a booking refused now would be accepted: the Retry-After of a caller that cannot wait (a test send). */
export async function providerSlotRetryAfter(
  d1: D1Database,
  provider: string,
  clock: () => number = Date.now,
): Promise<number> {
  const row = await d1
    .prepare(`SELECT next_slot_at AS nextSlotAt FROM provider_slots WHERE provider = ?1`)
    .bind(provider)
    .first<{ nextSlotAt: number }>();
  const now = clock();
  return Math.max(1, Math.ceil(((row?.nextSlotAt ?? now) - PROVIDER_SLOT_MAX_WAIT_MS - now) / 1000));
}

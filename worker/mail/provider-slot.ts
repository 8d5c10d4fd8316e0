import { PROVIDER_SLOT_MAX_WAIT_MS } from "../delivery/context";
import { sql } from "../delivery/queries";

/**
 * Books the next slot of the team's provider rate limit (the same GCRA row the delivery engine books) and waits
 * for it. False when the next free slot is too far ahead: leave the email for a later run.
 */
export async function waitForProviderSlot(d1: D1Database, provider: string, perSecond: number, clock: () => number = Date.now): Promise<boolean> {
  if (perSecond <= 0) return true;
  const interval = Math.ceil(1000 / perSecond);
  const takenAt = clock();
  const booked = await d1.prepare(sql.takeProviderSlot).bind(provider, takenAt, interval, PROVIDER_SLOT_MAX_WAIT_MS).first<{ slotAt: number }>();
  if (!booked) return false;
  const wait = booked.slotAt - takenAt;
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  return true;
}

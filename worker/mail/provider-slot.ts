import type { AppDeps } from "../app-deps";
import { PROVIDER_SLOT_MAX_WAIT_MS } from "../delivery/context";
import type { D1Meter } from "../delivery/d1-meter";
import { sql } from "../delivery/delivery-queries";
import { mailSql } from "./mail-queries";

/**
 * The provider's limit is per team, shared by every invocation (cron, consumers, admin, confirmations): each call
 * books the next slot of the one GCRA row in D1 and waits for it. False when the next free slot is too far ahead:
 * leave the email for a later run. The delivery engine passes its meter, so the booking is counted in its totals.
 */
export async function waitForProviderSlot(
  deps: { meter: Pick<D1Meter, "db" | "all">; clock: () => number },
  input: { provider: string; perSecond: number },
): Promise<boolean> {
  const { meter, clock } = deps;
  const { provider, perSecond } = input;
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
export async function providerSlotRetryAfter(deps: Pick<AppDeps, "db" | "clock">, provider: string): Promise<number> {
  const row = await deps.db.prepare(mailSql.nextProviderSlot).bind(provider).first<{ nextSlotAt: number }>();
  const now = deps.clock();
  return Math.max(1, Math.ceil(((row?.nextSlotAt ?? now) - PROVIDER_SLOT_MAX_WAIT_MS - now) / 1000));
}

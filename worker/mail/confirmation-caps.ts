import type { AppDeps } from "../app-deps";
import { takeSharedSlot } from "./shared-slot";
import { mailboxDomain, mailboxKey } from "../subscribers/mailbox-key";
import { HOUR_MS } from "../lib/durations";

/** Whether a confirmation email may go now; if not, which cap holds it and when it is due again. */
export type CapCheck = { ok: true } | { ok: false; cap: "domain" | "all"; retryAt: number };

/**
 * The hourly caps on confirmation emails strangers can cause: per recipient domain (a flood of made-up addresses
 * at one company's server) and in all (our provider quota and sender reputation). One counter row each in
 * rate_counters (a primary-key upsert, shared by every isolate), in clock-hour windows: up to twice a cap can go
 * across an hour's boundary. The domain is counted first, so a flood at one domain never uses up the global cap.
 */
export async function takeConfirmationCaps(
  deps: Pick<AppDeps, "db" | "config" | "clock">,
  consent: { id: number; email: string },
): Promise<CapCheck> {
  const { config } = deps;
  const now = deps.clock();
  const domain = mailboxDomain(mailboxKey(consent.email));
  const caps = [
    ["domain", `confirm-domain:${domain}`, config.confirmationsPerDomainPerHour],
    ["all", "confirm-all", config.confirmationsPerHour],
  ] as const;
  for (const [cap, counter, limit] of caps) {
    if (await takeSharedSlot({ db: deps.db, clock: () => now }, { name: counter, limit, windowMs: HOUR_MS })) continue;
    // Held ones are spread over the next hour at the cap's own pace (by id), not all due at its first minute.
    const nextHour = now - (now % HOUR_MS) + HOUR_MS;
    return { ok: false, cap, retryAt: nextHour + (consent.id % limit) * Math.floor(HOUR_MS / limit) };
  }
  return { ok: true };
}

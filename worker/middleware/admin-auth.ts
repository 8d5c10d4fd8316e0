import type { AppDeps } from "../app-deps";
import { AppError } from "../errors";
import { clientKey } from "../lib/client-key";
import { timingSafeEqualStrings } from "../lib/crypto";

/** Clients over the failure limit, until when: their wrong tokens are refused without asking the limiter. */
const lockedUntil = new Map<string, number>();
const LOCK_MS = 60_000;

const tooMany = () =>
  new AppError("RATE_LIMITED", "Too many wrong admin tokens from your network. Please wait a minute.");

/**
 * The admin token check of the API (Bearer, Basic on the docs page) and the dashboard's sign-in form. The token
 * is compared first (in constant time): the right one always passes, so a flood of wrong ones from the admin's
 * own network never locks the admin out. Only failures count against the client's ADMIN_AUTH_LIMITER budget,
 * and only failures are refused (429) past it.
 */
export async function checkAdminToken(
  deps: Pick<AppDeps, "config" | "env" | "clock">,
  input: { given: string; clientIp: string | undefined },
): Promise<boolean> {
  const { config, env } = deps;
  const { given } = input;
  const now = deps.clock();
  const expected = config.adminToken;
  if (expected !== undefined && (await timingSafeEqualStrings(given, expected))) return true;
  const client = clientKey(input.clientIp);
  if ((lockedUntil.get(client) ?? 0) > now) throw tooMany();
  const limiter = env.ADMIN_AUTH_LIMITER;
  if (limiter && !(await limiter.limit({ key: `admin-auth:${client}` })).success) {
    if (lockedUntil.size >= 10_000) lockedUntil.clear(); // bounded: an isolate's memory is not a database
    lockedUntil.set(client, now + LOCK_MS);
    throw tooMany();
  }
  return false;
}

import type { AppDeps } from "../app-deps";
import { keyedHash } from "../lib/crypto";
import { emailKey } from "./email-address";
import { suppressedSql } from "./subscriber-queries";

/**
 * The keyed hash an erased address leaves behind: enough to recognise it, not to recover it. Its key must mean
 * the same for good, or an import re-adds every erased person: it is HASH_SECRET alone, which the Worker requires
 * before it serves at all (config.ts). So no deployment ever hashes under a fallback that a later HASH_SECRET
 * would replace; the project is unreleased, so no such hash was ever stored. HASH_SECRET itself never changes.
 */
export function suppressionHash(hashSecret: string, email: string): Promise<string> {
  return keyedHash(hashSecret, "suppression", emailKey(email));
}

/** Whether this address was erased (its keyed hash is kept). */
export async function isSuppressed(deps: Pick<AppDeps, "db" | "config">, email: string): Promise<boolean> {
  const hash = await suppressionHash(deps.config.hashSecret, email);
  return (await deps.db.prepare(suppressedSql).bind(hash).first()) !== null;
}

import { eq } from "drizzle-orm";
import { suppressions } from "../../db/schema";
import type { Database } from "../db";
import { keyedHash } from "../lib/crypto";
import { emailKey } from "./email-address";

/**
 * The keyed hash an erased address leaves behind: enough to recognise it, not to recover it. Its key must mean
 * the same for good, or an import re-adds every erased person: it is HASH_SECRET alone, which the Worker requires
 * before it serves at all (config.ts). So no deployment ever hashes under a fallback that a later HASH_SECRET
 * would replace; the project is unreleased, so no such hash was ever stored. HASH_SECRET itself never changes.
 */
export function suppressionHash(hashSecret: string, email: string): Promise<string> {
  return keyedHash(hashSecret, "suppression", emailKey(email));
}

export async function isSuppressed(db: Database, hashSecret: string, email: string): Promise<boolean> {
  const hash = await suppressionHash(hashSecret, email);
  const row = await db
    .select({ hash: suppressions.emailHash })
    .from(suppressions)
    .where(eq(suppressions.emailHash, hash))
    .get();
  return row !== undefined;
}

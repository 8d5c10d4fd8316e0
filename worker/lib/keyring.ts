/**
 * Signing keys with ids, newest first: the first signs every new link, all of them verify, so a key can be
 * replaced without breaking the links already mailed. `SIGNING_KEYS` = "kid2:secret2,kid1:secret1"; the
 * older `SIGNING_SECRET` stays in the ring as the last key, id "0": it still verifies links mailed before
 * key ids existed (they carry no id) and signs only when it is the only key.
 */
export interface SigningKey {
  kid: string;
  secret: string;
}

export interface Keyring {
  /** Newest first; never empty. */
  readonly keys: readonly [SigningKey, ...SigningKey[]];
}

/** The id `SIGNING_SECRET` signs under; reserved, so SIGNING_KEYS cannot use it. */
export const LEGACY_KID = "0";
const KID_PATTERN = /^[a-z0-9]{1,8}$/;

export type KeyringParse = { ok: true; keyring: Keyring } | { ok: false; problems: string[] };

/** Format only (ids, separators, duplicates); how long a secret must be is the config's call. */
export function parseKeyring(signingKeys: string | undefined, legacySecret: string | undefined): KeyringParse {
  const problems: string[] = [];
  const keys: SigningKey[] = [];
  const entries = signingKeys?.trim() ? signingKeys.split(",") : [];
  for (const [index, entry] of entries.entries()) {
    const separator = entry.indexOf(":");
    const kid = entry.slice(0, Math.max(separator, 0)).trim();
    const secret = entry.slice(separator + 1).trim();
    // Never echo a secret into the logs: an entry is named by its position, and only a well-formed id is quoted.
    const where = `SIGNING_KEYS entry ${index + 1}`;
    if (separator < 0 || !secret) problems.push(`${where} is not "kid:secret"`);
    else if (!KID_PATTERN.test(kid)) problems.push(`${where}: the key id (before the ":") must be 1–8 of a-z, 0-9`);
    else if (kid === LEGACY_KID) problems.push(`${where}: key id "0" is reserved for SIGNING_SECRET`);
    else if (keys.some((key) => key.kid === kid)) problems.push(`${where}: key id "${kid}" appears twice`);
    else keys.push({ kid, secret });
  }
  if (legacySecret) keys.push({ kid: LEGACY_KID, secret: legacySecret });
  if (problems.length) return { ok: false, problems };
  const [newest, ...older] = keys;
  if (!newest) return { ok: false, problems: ["no signing key: set SIGNING_KEYS (or the older SIGNING_SECRET)"] };
  return { ok: true, keyring: { keys: [newest, ...older] } };
}

export const findKey = (keyring: Keyring, kid: string): SigningKey | undefined =>
  keyring.keys.find((key) => key.kid === kid);

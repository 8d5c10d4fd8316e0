/**
 * Signing keys with ids, newest first: the first signs every new link, all of them verify, so a key can be
 * replaced without breaking the links already mailed. `SIGNING_KEYS` = "kid2:secret2,kid1:secret1".
 */
export interface SigningKey {
  kid: string;
  secret: string;
}

export interface Keyring {
  /** Newest first; never empty. */
  readonly keys: readonly [SigningKey, ...SigningKey[]];
}

const KID_PATTERN = /^[a-z0-9]{1,8}$/;

export type KeyringParse = { ok: true; keyring: Keyring } | { ok: false; problems: string[] };

/** Format only (ids, separators, duplicates); how long a secret must be is the config's call. */
export function parseKeyring(signingKeys: string | undefined): KeyringParse {
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
    else if (keys.some((key) => key.kid === kid)) problems.push(`${where}: key id "${kid}" appears twice`);
    else keys.push({ kid, secret });
  }
  if (problems.length) return { ok: false, problems };
  const [newest, ...older] = keys;
  if (!newest) return { ok: false, problems: ['no signing key: set SIGNING_KEYS ("kid:secret", newest first)'] };
  return { ok: true, keyring: { keys: [newest, ...older] } };
}

export const findKey = (keyring: Keyring, kid: string): SigningKey | undefined =>
  keyring.keys.find((key) => key.kid === kid);

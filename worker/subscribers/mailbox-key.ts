/** Domains whose provider ignores dots in the local part, and the one domain each is an alias of. */
const DOTLESS_DOMAINS: Readonly<Record<string, string>> = { "gmail.com": "gmail.com", "googlemail.com": "gmail.com" };

/**
 * The inbox a (normalized) address lands in, for throttling only: mail still goes to the spelling the reader
 * typed, and `email_key` still tells readers apart. Lower-cased, everything from the first "+" of the local
 * part dropped for every domain, dots dropped where the provider ignores them (googlemail.com is gmail.com).
 * Wrong for a provider that treats "+" as a plain character: then two mailboxes share one budget, never the
 * reverse. The SQL backfill in db/migrations/0010_mailbox_key.sql computes the same key.
 */
export function mailboxKey(address: string): string {
  const lower = address.toLowerCase();
  const at = lower.lastIndexOf("@");
  const plus = lower.indexOf("+");
  let local = lower.slice(0, plus >= 0 && plus < at ? plus : at);
  let domain = lower.slice(at + 1);
  const alias = DOTLESS_DOMAINS[domain];
  if (alias) {
    domain = alias;
    local = local.replaceAll(".", "");
  }
  return `${local}@${domain}`;
}

/** The domain of a mailbox key: what the per-domain hourly cap counts by. */
export const mailboxDomain = (key: string) => key.slice(key.lastIndexOf("@") + 1);

import { z } from "zod";

/**
 * What real providers accept: dot-atom local parts (plus tags, apostrophes), subdomains, punycode and
 * Unicode domains (stored as punycode). Not: spaces, CR/LF, two @, bare hosts, IP literals, quoted locals.
 */
const LOCAL_PART = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const DOMAIN_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const TOP_LEVEL = /^([a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

export function normalizeEmailAddress(input: string): string | null {
  const address = input.trim();
  if (address.length > 254 || /[\s\u0000-\u001f\u007f]/.test(address)) return null;
  const at = address.lastIndexOf("@");
  if (at <= 0 || address.indexOf("@") !== at) return null;
  const local = address.slice(0, at);
  const domain = toAsciiDomain(address.slice(at + 1));
  if (local.length > 64 || !LOCAL_PART.test(local) || !domain) return null;
  const labels = domain.split(".");
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label))) return null;
  if (!TOP_LEVEL.test(labels[labels.length - 1]!)) return null;
  return `${local}@${domain}`;
}

/** IDNA via the URL parser: "bücher.de" → "xn--bcher-kva.de"; IP literals and junk → null. */
function toAsciiDomain(domain: string): string | null {
  if (!domain || domain.length > 253 || /[[\]/\\?#:@%]/.test(domain)) return null;
  try {
    const host = new URL(`http://${domain}/`).hostname;
    if (/^\d+(\.\d+){3}$/.test(host)) return null;
    return host;
  } catch {
    return null;
  }
}

export const emailAddressSchema = z
  .string({ error: "Please enter your email address." })
  .max(320, "That email address is too long.")
  .transform((value, ctx) => {
    if (value.trim() === "") {
      ctx.addIssue({ code: "custom", message: "Please enter your email address." });
      return z.NEVER;
    }
    const normalized = normalizeEmailAddress(value);
    if (!normalized) {
      ctx.addIssue({ code: "custom", message: "Please enter a valid email address, like name@example.com." });
      return z.NEVER;
    }
    return normalized;
  });

/** The unique key: providers treat the domain case-insensitively and, in practice, the local part too. */
export const emailKey = (address: string) => address.toLowerCase();

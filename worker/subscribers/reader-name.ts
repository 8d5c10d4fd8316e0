import { z } from "zod";

export const MAX_NAME_CHARS = 100;

/**
 * "://", a known scheme, "www.", or a dot between letters (evil.example, also with the ideographic and full-width
 * dots). No unbounded quantifier: each position costs a fixed number of steps, so the test is linear.
 */
export const LINK_LIKE =
  /:\/\/|\b(?:https?|ftp|mailto|javascript|data|file|tel|sms):|www[.。．｡]|[\p{L}\p{N}-][.。．｡]\p{L}{2}|@/iu;
const CONTROL = /\p{Cc}/u;
/**
 * Format, separator (other than the space), private-use and unassigned characters let a name disguise itself
 * in emails and the admin view (bidi overrides, zero-width and tag characters, U+2028…).
 */
const INVISIBLE = /[\p{C}\p{Z}]/u;
/** Every pattern a name is tested against, after its length. */
export const NAME_PATTERNS: readonly RegExp[] = [CONTROL, INVISIBLE, LINK_LIKE];

/** A reader's name as the signup form and the CSV import accept it: it greets the reader in every part. */
export const readerNameSchema = z
  .string()
  // abort: a longer name is refused before any pattern below reads it (a stranger's 16 KB costs nothing).
  .max(MAX_NAME_CHARS, { error: `Please keep your name under ${MAX_NAME_CHARS} characters.`, abort: true })
  .refine((name) => !CONTROL.test(name), "Your name cannot contain line breaks or control characters.")
  .refine((name) => !INVISIBLE.test(name.replaceAll(" ", "")), "Your name contains invisible characters.")
  // The name greets the reader in every part: it must never be a way to put a link in our emails.
  .refine((name) => !LINK_LIKE.test(name), "Your name cannot contain a web address or link.");

import { z } from "zod";

/** A scheme, "www.", or a dot between letters (evil.example, also with the ideographic and full-width dots). */
const LINK_LIKE = /[a-z][a-z0-9+.-]*:\/\/|\b(?:https?|ftp|mailto|javascript|data|file|tel|sms):|www[.。．｡]|[\p{L}\p{N}-][.。．｡]\p{L}{2,}|@/iu;

/** A reader's name as the signup form and the CSV import accept it: it greets the reader in every part. */
export const readerNameSchema = z
  .string()
  .max(100, "Please keep your name under 100 characters.")
  .refine((name) => !/\p{Cc}/u.test(name), "Your name cannot contain line breaks or control characters.")
  // Format, separator (other than the space), private-use and unassigned characters let a name disguise
  // itself in emails and the admin view (bidi overrides, zero-width and tag characters, U+2028…).
  .refine((name) => !/[\p{C}\p{Z}]/u.test(name.replaceAll(" ", "")), "Your name contains invisible characters.")
  // The name greets the reader in every part: it must never be a way to put a link in our emails.
  .refine((name) => !LINK_LIKE.test(name), "Your name cannot contain a web address or link.");

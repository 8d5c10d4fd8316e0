import { z } from "zod";
import { findSeries } from "../../content/catalog";
import type { CompiledSeries } from "../../content/types";
import type { ImportRowTuple } from "../../env";
import { isValidTimezone } from "../../lib/timezone";
import { emailAddressSchema, emailKey, normalizeEmailAddress } from "../email-address";
import { readerNameSchema } from "../reader-name";
import { MAX_CELL_CHARS, ROW_REPEATED, ROW_TOO_LONG, ROW_WRONG_FIELD_COUNT } from "./parse-import-csv";

/** consented_at: a date (2026-01-31) or a date-time with its offset (2026-01-31T09:00:00Z). */
const consentedAtSchema = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: "consented_at must be an ISO date, like 2026-01-31 or 2026-01-31T09:00:00Z",
});
const consentSourceSchema = z
  .string()
  .max(200, "consent_source must be under 200 characters")
  .refine((source) => !/\p{Cc}/u.test(source), "consent_source cannot contain control characters");

export interface ValidImportRow {
  row: number;
  email: string;
  key: string;
  name: string | null;
  timezone: string | null;
  series: CompiledSeries;
  /** Set with consentSource when the file states the reader's consent: the subscription starts active. */
  consentedAt: number | null;
  consentSource: string | null;
}

export type CheckedRow =
  | { ok: true; value: ValidImportRow }
  | { ok: false; row: number; email: string; outcome: "invalid" | "duplicate"; message: string };

/** One row's content, with the same rules as the signup form (address, name) plus the import's own. */
export function validateImportRow(tuple: ImportRowTuple, now: number): CheckedRow {
  const [row, rawEmail, rawName, rawTimezone, rawSeries, rawConsentedAt, rawSource, flag] = tuple;
  // Reported as a reader's address is stored (normalized) when it is one: an erasure finds every row naming them.
  const reported = normalizeEmailAddress(rawEmail) ?? rawEmail.slice(0, 320);
  const fail = (message: string, outcome: "invalid" | "duplicate" = "invalid"): CheckedRow => ({
    ok: false,
    row,
    email: reported,
    outcome,
    message,
  });
  if (flag === ROW_TOO_LONG) return fail(`A field of this row is longer than ${MAX_CELL_CHARS} characters.`);
  if (flag === ROW_WRONG_FIELD_COUNT) return fail("This row does not have as many fields as the header.");
  const email = emailAddressSchema.safeParse(rawEmail);
  if (!email.success) return fail(`email: ${email.error.issues[0]!.message}`);
  if (flag === ROW_REPEATED)
    return fail("The same address and series appear on an earlier row of this file.", "duplicate");
  const name = readerNameSchema.safeParse(rawName);
  if (!name.success) return fail(`name: ${name.error.issues[0]!.message}`);
  if (rawTimezone && !isValidTimezone(rawTimezone))
    return fail(`timezone: "${rawTimezone.slice(0, 64)}" is not an IANA time zone (like Europe/Paris).`);
  const series = findSeries(rawSeries);
  if (!series) return fail(`series: no series "${rawSeries.slice(0, 100)}" in the catalog.`);
  if (Boolean(rawConsentedAt) !== Boolean(rawSource))
    return fail(
      "consented_at and consent_source go together: give both (consent stated) or neither (a confirmation email is sent).",
    );
  let consentedAt: number | null = null;
  if (rawConsentedAt) {
    const date = consentedAtSchema.safeParse(rawConsentedAt);
    if (!date.success) return fail(date.error.issues[0]!.message);
    consentedAt = Date.parse(date.data);
    if (consentedAt > now) return fail("consented_at is in the future.");
    const source = consentSourceSchema.safeParse(rawSource);
    if (!source.success) return fail(source.error.issues[0]!.message);
  }
  return {
    ok: true,
    value: {
      row,
      email: email.data,
      key: emailKey(email.data),
      name: name.data || null,
      timezone: rawTimezone || null,
      series,
      consentedAt,
      consentSource: consentedAt === null ? null : rawSource,
    },
  };
}

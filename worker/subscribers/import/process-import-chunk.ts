import type { ImportOutcome } from "../../../db/schema";
import type { AppDeps } from "../../app-deps";
import { dueAtForPart } from "../../delivery/schedule";
import type { ImportChunkMessage } from "../../env";
import { CONFIRM_TOKEN_TTL_MS } from "../../tokens";
import { RETRIES_PER_RUN } from "../../mail/confirmation-email";
import { mailboxKey } from "../mailbox-key";
import { suppressionHash } from "../suppression";
import { importSql } from "./import-queries";
import { validateImportRow, type ValidImportRow } from "./validate-import-row";

/**
 * Imported confirmation emails are spaced by row at the cron's pace (it sends RETRIES_PER_RUN a minute, each
 * on a slot of the team's rate limit): 50,000 pending rows never become one burst, nor starve signups' retries.
 */
export const CONFIRMATION_SPACING_MS = Math.ceil(60_000 / RETRIES_PER_RUN);

export type ChunkResult =
  | { kind: "written"; active: number; pending: number; skipped: number }
  | { kind: "already_done" }
  | { kind: "no_job" };

type ReportRow = [row: number, email: string, outcome: ImportOutcome, message: string | null];

const UNAVAILABLE: Record<string, string> = {
  bounced: "This address bounced: no mail goes to it.",
  complained: "This reader marked our mail as spam: no mail goes to them.",
  unsubscribed: "This reader unsubscribed: an import never re-adds them (they can sign up again).",
};

/**
 * One chunk of an import: validates each row, skips duplicates (already a reader of the series, or an earlier
 * row of the file), erased (suppressed) and bounced or complained addresses, then writes the new readers, their
 * subscriptions, consents, the per-row report and the job's counters in one transaction guarded by the chunk's
 * claim: a redelivered chunk changes nothing.
 */
export async function processImportChunk(
  deps: Pick<AppDeps, "db" | "config" | "clock">,
  message: ImportChunkMessage,
): Promise<ChunkResult> {
  const { db: d1 } = deps;
  const { hashSecret } = deps.config;
  const now = deps.clock();
  const { jobId, chunk } = message;
  const job = await d1.prepare(importSql.chunkJob).bind(jobId, chunk).first<{ createdAt: number; done: number }>();
  if (!job) return { kind: "no_job" };
  if (job.done) return { kind: "already_done" };

  const report: ReportRow[] = [];
  const valid: ValidImportRow[] = [];
  for (const tuple of message.rows) {
    const checked = validateImportRow(tuple, now);
    if (checked.ok) valid.push(checked.value);
    else report.push([checked.row, checked.email, checked.outcome, checked.message]);
  }

  const hashes = await Promise.all(valid.map((row) => suppressionHash(hashSecret, row.email)));
  const keys = [...new Set(valid.map((row) => row.key))];
  const [suppressed, known] = await Promise.all([
    valid.length ? d1.prepare(importSql.suppressedHashes).bind(JSON.stringify(hashes)).all<{ hash: string }>() : null,
    keys.length
      ? d1
          .prepare(importSql.knownReaders)
          .bind(JSON.stringify(keys))
          .all<{ key: string; status: string; series: string }>()
      : null,
  ]);
  const suppressedHashes = new Set(suppressed?.results.map((row) => row.hash));
  const readers = new Map(
    known?.results.map((row) => [row.key, { status: row.status, series: JSON.parse(row.series) as string[] }]),
  );

  const newReaders = new Map<
    string,
    {
      email: string;
      key: string;
      name: string | null;
      timezone: string | null;
      status: string;
      confirmedAt: number | null;
    }
  >();
  const activated = new Set<string>();
  const subscriptionRows: { key: string; series: string; status: string; dueAt: number | null }[] = [];
  const consentRows: Record<string, string | number | null>[] = [];
  let active = 0;
  let pending = 0;
  valid.forEach((row, i) => {
    const reader = readers.get(row.key);
    // The report does not write an erased address back: the row number tells the admin which one it was.
    if (suppressedHashes.has(hashes[i]!)) {
      report.push([row.row, "", "suppressed", "This address was erased: it is never imported again."]);
      return;
    }
    if (reader && UNAVAILABLE[reader.status]) {
      report.push([row.row, row.email, "suppressed", UNAVAILABLE[reader.status]!]);
      return;
    }
    if (reader?.series.includes(row.series.slug)) {
      report.push([row.row, row.email, "duplicate", `Already a reader of ${row.series.slug}.`]);
      return;
    }

    const consented = row.consentedAt !== null;
    if (!reader) {
      const earlier = newReaders.get(row.key);
      // A new reader listed for several series: stated consent on any row makes them active, with that row's details.
      if (!earlier || (consented && earlier.status === "pending")) {
        newReaders.set(row.key, {
          email: row.email,
          key: row.key,
          name: consented ? row.name : null,
          timezone: consented ? row.timezone : null,
          status: consented ? "active" : "pending",
          confirmedAt: row.consentedAt,
        });
      }
    } else if (consented && reader.status === "pending") {
      activated.add(row.key);
    }
    const emailAt = job.createdAt + (row.row - 1) * CONFIRMATION_SPACING_MS;
    subscriptionRows.push({
      key: row.key,
      series: row.series.slug,
      status: consented ? "active" : "pending",
      dueAt: consented ? dueAtForPart(row.series, 1, now, row.timezone) : null,
    });
    consentRows.push({
      key: row.key,
      series: row.series.slug,
      consentedAt: row.consentedAt,
      source: row.consentSource,
      // What the reader asked for is applied when they confirm, as for a signup.
      name: consented ? null : row.name,
      timezone: consented ? null : row.timezone,
      emailAt: consented ? null : emailAt,
      expiresAt: consented ? null : emailAt + CONFIRM_TOKEN_TTL_MS,
      mailbox: consented ? null : mailboxKey(row.email),
    });
    if (consented) active++;
    else pending++;
    report.push([
      row.row,
      row.email,
      consented ? "active" : "pending",
      consented ? null : "A confirmation email is queued.",
    ]);
  });

  const token = crypto.randomUUID();
  const guard = [jobId, chunk, token, now] as const;
  const json = (value: unknown) => JSON.stringify(value);
  const results = await d1.batch([
    d1.prepare(importSql.claimChunk).bind(...guard),
    d1.prepare(importSql.insertReaders).bind(...guard, json([...newReaders.values()])),
    d1.prepare(importSql.activateReaders).bind(...guard, json([...activated].map((key) => ({ key })))),
    d1.prepare(importSql.insertSubscriptions).bind(...guard, json(subscriptionRows)),
    d1.prepare(importSql.insertConsents).bind(...guard, json(consentRows)),
    d1.prepare(importSql.countGrowth).bind(...guard, json(subscriptionRows)),
    d1.prepare(importSql.insertReport).bind(...guard, json(report)),
    d1
      .prepare(importSql.countChunk)
      .bind(...guard, message.rows.length, active, pending, message.rows.length - active - pending),
  ]);
  // Another delivery of this chunk committed first: its writes and counts stand, this one's did nothing.
  if (results[0]!.meta.changes === 0) return { kind: "already_done" };
  return { kind: "written", active, pending, skipped: message.rows.length - active - pending };
}

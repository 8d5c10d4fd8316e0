import type { AppDeps } from "../app-deps";
import { D1Meter } from "../delivery/d1-meter";
import { BATCHES_PER_CHUNK, RETENTION_CHUNK_ROWS, retentionPolicy, type RetentionPolicy } from "./policy";
import { retentionProbeSql as probes, retentionSql as sql } from "./retention-queries";

/** What one run removed, per table (deliveries: slimmed into the compact form). */
export const RETAINED_TABLES = [
  "webhook_events",
  "deliveries",
  "batches",
  "clicks",
  "subscribers",
  "consents",
  "import_rows",
  "import_jobs",
  "outbox",
  "feedback_dead_letters",
  "rate_counters",
] as const;
export type RetentionCounts = Record<(typeof RETAINED_TABLES)[number], number>;

export interface RetentionSummary {
  /** The run's clock (the cron's scheduled time): every cutoff is this minus a window. */
  at: string;
  rows: RetentionCounts;
  /** Rounds run: each deletes at most one chunk per table. */
  chunks: number;
  /** Tables whose chunk failed (left for the next run; the others went on). */
  errors: { task: string; message: string }[];
  d1: { statements: number; rowsRead: number; rowsWritten: number };
}

interface Task {
  name: string;
  /** A row or none: whether this table has anything past its window. */
  probe: string;
  /** ?1 the cutoff, ?2 the chunk size, for each statement (retention/queries.ts). */
  statements: { text: string; limit: number }[];
  windowMs: (policy: RetentionPolicy) => number;
  /** Rows per table, from the statements' results (in order). */
  count: (changes: number[]) => Partial<RetentionCounts>;
  /** A whole chunk went: there may be more. */
  full: (changes: number[]) => boolean;
}

const rows = (text: string) => ({ text, limit: RETENTION_CHUNK_ROWS });
const batches = (text: string) => ({ text, limit: BATCHES_PER_CHUNK });

/** In this order: clicks after deliveries, so a chunk's slimmed deliveries free their clicks in the same round. */
const TASKS: Task[] = [
  {
    name: "webhook_events",
    probe: probes.webhookEvents,
    statements: [rows(sql.webhookEvents)],
    windowMs: (p) => p.webhookEventsMs,
    count: ([n]) => ({ webhook_events: n }),
    full: ([n]) => n === RETENTION_CHUNK_ROWS,
  },
  {
    name: "deliveries",
    probe: probes.deliveries,
    statements: [
      sql.refParts,
      sql.archiveRuns,
      sql.receiveParts,
      sql.detachEvents,
      sql.deleteDeliveries,
      sql.deleteBatches,
    ].map(batches),
    windowMs: (p) => p.deliveriesMs,
    count: (n) => ({ deliveries: n[4], batches: n[5] }),
    full: (n) => n[5] === BATCHES_PER_CHUNK,
  },
  {
    name: "clicks",
    probe: probes.clicks,
    statements: [rows(sql.clicks)],
    windowMs: (p) => p.clicksMs,
    count: ([n]) => ({ clicks: n }),
    full: ([n]) => n === RETENTION_CHUNK_ROWS,
  },
  {
    name: "pending_signups",
    probe: probes.pendingSignups,
    statements: [sql.purgeEvents, sql.purgeConsents, sql.purgeSubscriptions, sql.purgeSubscribers].map(rows),
    windowMs: (p) => p.pendingSignupsMs,
    count: (n) => ({ consents: n[1], subscribers: n[3] }),
    full: (n) => n[3] === RETENTION_CHUNK_ROWS,
  },
  {
    name: "imports",
    probe: probes.imports,
    statements: [sql.importRows, sql.importChunks, sql.importJob].map(rows),
    windowMs: (p) => p.importsMs,
    count: (n) => ({ import_rows: n[0], import_jobs: n[2] }),
    // A job finished: the next one may be waiting.
    full: (n) => n[0] === RETENTION_CHUNK_ROWS || n[2]! > 0,
  },
  {
    name: "outbox",
    probe: probes.outbox,
    statements: [rows(sql.outbox)],
    windowMs: (p) => p.outboxMs,
    count: ([n]) => ({ outbox: n }),
    full: ([n]) => n === RETENTION_CHUNK_ROWS,
  },
  {
    name: "feedback_dead_letters",
    probe: probes.feedbackDeadLetters,
    statements: [rows(sql.feedbackDeadLetters)],
    windowMs: (p) => p.feedbackDeadLettersMs,
    count: ([n]) => ({ feedback_dead_letters: n }),
    full: ([n]) => n === RETENTION_CHUNK_ROWS,
  },
  {
    name: "rate_counters",
    probe: probes.rateCounters,
    statements: [rows(sql.rateCounters)],
    windowMs: (p) => p.rateCountersMs,
    count: ([n]) => ({ rate_counters: n }),
    full: ([n]) => n === RETENTION_CHUNK_ROWS,
  },
];

/** Binds ?1 and, where the text has it, ?2. */
function prepare(meter: D1Meter, text: string, cutoff: number, limit: number) {
  return meter.db.prepare(text).bind(...(text.includes("?2") ? [cutoff, limit] : [cutoff]));
}

/**
 * Deletes what the policy no longer keeps: one probe per table first (an idle run stops there), then up to
 * `chunksPerRun` rounds, each one chunk per table that still has work, all of a round in one D1 batch (one round
 * trip; each chunk is its own transaction only when a batch fails, so one broken table never stops the others).
 * Every statement is conditional on the state it changes: a run racing another, or the cycle, the webhooks or an
 * erasure, removes nothing twice and nothing early.
 */
export async function runRetentionChunks(
  meter: D1Meter,
  input: { policy: RetentionPolicy; now: number },
): Promise<RetentionSummary> {
  const { policy, now } = input;
  const summary: RetentionSummary = {
    at: new Date(now).toISOString(),
    rows: Object.fromEntries(RETAINED_TABLES.map((table) => [table, 0])) as RetentionCounts,
    chunks: 0,
    errors: [],
    d1: meter.totals(),
  };
  const cutoff = (task: Task) => now - task.windowMs(policy);
  const statementsOf = (task: Task) =>
    task.statements.map(({ text, limit }) => prepare(meter, text, cutoff(task), limit));
  const record = (task: Task, results: D1Result[]) => {
    const changes = results.map((result) => result.meta.changes);
    for (const [table, n] of Object.entries(task.count(changes)))
      summary.rows[table as keyof RetentionCounts] += n ?? 0;
    return task.full(changes);
  };

  let busy: Task[] = [];
  if (policy.chunksPerRun > 0) {
    const probed = await meter.batch(TASKS.map((task) => prepare(meter, task.probe, cutoff(task), 1)));
    busy = TASKS.filter((_, i) => probed[i]!.results.length > 0);
  }
  while (summary.chunks < policy.chunksPerRun && busy.length > 0) {
    summary.chunks += 1;
    const stillBusy: Task[] = [];
    try {
      const results = await meter.batch(busy.flatMap(statementsOf));
      let offset = 0;
      for (const task of busy) {
        const end = offset + task.statements.length;
        if (record(task, results.slice(offset, end))) stillBusy.push(task);
        offset = end;
      }
    } catch {
      for (const task of busy) {
        try {
          if (record(task, await meter.batch(statementsOf(task)))) stillBusy.push(task);
        } catch (error) {
          console.error("retention chunk failed", task.name, error);
          summary.errors.push({
            task: task.name,
            message: (error instanceof Error ? error.message : String(error)).slice(0, 300),
          });
        }
      }
    }
    busy = stillBusy;
  }
  summary.d1 = meter.totals();
  return summary;
}

/** The cron's retention run (worker/index.ts), `now` being its scheduled time (not the clock: cutoffs are per tick). */
export function runRetention(deps: Pick<AppDeps, "db" | "config">, input: { now: number }): Promise<RetentionSummary> {
  return runRetentionChunks(new D1Meter(deps.db), { policy: retentionPolicy(deps.config), now: input.now });
}

import type { DeliveryMessage } from "../env";
import { claimBatch, type ClaimFilter } from "./claim-batch";
import {
  MAX_QUEUED_BATCHES_PER_RUN,
  MAX_RESUMES_PER_RUN,
  QUEUED_LEASE_MS,
  SENDING_LEASE_MS,
  type DeliveryContext,
} from "./context";
import { sql } from "./delivery-queries";
import { sendBatch, type SendOutcome } from "./send-batch";

export interface CycleOptions {
  dryRun?: boolean;
  filter?: ClaimFilter;
  /** Emails per provider call (Resend's batch endpoint takes 100). */
  batchSize: number;
  /** Provider calls this run may make (Workers' subrequest limit; the rest waits for the next run). */
  maxBatches: number;
  /** Batches in flight at once when sending inline (provider calls are paced team-wide in sendBatch). */
  concurrency: number;
  /** When set, claimed batches are handed to queue consumers instead of being sent here. */
  queue?: Queue<DeliveryMessage>;
}

export interface CycleSummary {
  dryRun: boolean;
  mailer: string;
  /** Readers whose part was due and taken this run (or, in a dry run, who would be). */
  due: number;
  sent: number;
  /** Put back until their send window opens. */
  deferred: number;
  /** Rejected by the provider (4xx); retried an hour later. */
  failed: number;
  /** Outcome unknown (5xx, timeout); the same batch is retried under the same key. */
  retrying: number;
  /** Refused alone inside an accepted batch (permissive validation); tried again later. */
  refused: number;
  /** Readers set aside with a reason: their batch could not be composed, was refused after an unknown outcome, or they were refused too often. */
  setAside: number;
  /** Batches that hit an error (compose, send, record): set aside or left leased, while the cycle went on. */
  errors: { batchId: string | null; message: string }[];
  /** Handed to the delivery queue. */
  queued: number;
  /** Stale batches from earlier runs picked up again. */
  recovered: number;
  rateLimited: boolean;
  retryAfterMs: number | null;
  /** Sent (or due, in a dry run) per "series/part". */
  perPart: Record<string, number>;
  providerRequests: number;
  d1: { statements: number; rowsRead: number; rowsWritten: number };
}

/**
 * The delivery cycle (through runCycle in index.ts: the cron, POST /admin/api/send, tests): line readers up with the catalog, retry stale
 * batches, then claim due readers in batches and send them (inline) or queue them (fan-out).
 */
export async function runDeliveryCycle(ctx: DeliveryContext, options: CycleOptions): Promise<CycleSummary> {
  const summary: CycleSummary = {
    dryRun: Boolean(options.dryRun),
    mailer: ctx.mailer.name,
    due: 0,
    sent: 0,
    deferred: 0,
    failed: 0,
    retrying: 0,
    refused: 0,
    setAside: 0,
    errors: [],
    queued: 0,
    recovered: 0,
    rateLimited: false,
    retryAfterMs: null,
    perPart: {},
    providerRequests: 0,
    d1: ctx.meter.totals(),
  };
  if (options.dryRun) {
    await reportDue(ctx, options.filter ?? {}, summary);
  } else {
    const filter: ClaimFilter = { ...options.filter, seriesPaused: await syncCatalog(ctx) };
    let budget = Math.max(0, options.maxBatches);
    let stop = false;

    // A few are enough to see what went wrong; the rest are in the logs.
    const addError = (batchId: string | null, message: string) => {
      if (summary.errors.length < 20) summary.errors.push({ batchId, message: message.slice(0, 300) });
    };
    const noteError = (batchId: string | null, error: unknown) => {
      console.error("delivery batch error", batchId, error);
      addError(batchId, error instanceof Error ? error.message : String(error));
    };
    const tally = (outcome: SendOutcome, batchId: string) => {
      if (outcome.kind === "skipped") return;
      if (outcome.kind === "set_aside") {
        summary.setAside += outcome.count;
        addError(batchId, outcome.message);
        return;
      }
      if (!(outcome.kind === "rate_limited" && outcome.local)) summary.providerRequests += 1;
      if (outcome.kind === "sent") {
        summary.sent += outcome.members.length;
        summary.refused += outcome.refused;
        summary.setAside += outcome.setAside;
        for (const member of outcome.members) {
          const key = `${member.series}/${member.partNumber}`;
          summary.perPart[key] = (summary.perPart[key] ?? 0) + 1;
        }
      } else if (outcome.kind === "rejected") summary.failed += outcome.count;
      else if (outcome.kind === "unknown") summary.retrying += outcome.count;
      else {
        summary.rateLimited = true;
        summary.retryAfterMs = outcome.retryAfterMs;
        stop = true; // leave the rest for the next tick
      }
    };

    // Batches an earlier run left behind (crash, unknown outcome, dead consumer): same members, same key.
    const expired = await ctx.meter.all<{ id: string }>(ctx.meter.db.prepare(sql.expiredBatches).bind(ctx.now, budget));
    for (const { id } of expired) {
      if (stop) break;
      budget -= 1;
      try {
        const outcome = await sendBatch(ctx, { batchId: id, onlyIfLeaseExpired: true });
        if (outcome.kind !== "skipped") summary.recovered += 1;
        tally(outcome, id);
      } catch (error) {
        noteError(id, error); // it keeps its lease and is retried under its key later; the cycle goes on
      }
    }

    // Most ticks find nothing due: one index probe instead of a claim transaction.
    const anyDue =
      !stop &&
      (await ctx.meter.all(ctx.meter.db.prepare(sql.anyDue).bind(filter.seriesPaused ? 1 : 0, ctx.now))).length > 0;
    if (anyDue && options.queue) {
      await queueDueBatches(ctx, options, filter, summary);
    } else if (anyDue) {
      const worker = async () => {
        while (!stop && budget > 0) {
          budget -= 1;
          let claimed: Awaited<ReturnType<typeof claimBatch>>;
          try {
            claimed = await claimBatch(ctx, {
              size: options.batchSize,
              leaseMs: SENDING_LEASE_MS,
              frozen: true,
              filter,
            });
          } catch (error) {
            noteError(null, error); // not one batch's fault (D1?): this worker stops, the others go on
            break;
          }
          if (!claimed) break;
          summary.due += claimed.members.length + claimed.deferred;
          summary.deferred += claimed.deferred;
          if (claimed.members.length === 0) continue;
          try {
            tally(await sendBatch(ctx, { batchId: claimed.batchId, members: claimed.members }), claimed.batchId);
          } catch (error) {
            // An error while recording: the batch keeps its lease and is retried under its key; others go on.
            noteError(claimed.batchId, error);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, worker));
    }
  }
  summary.d1 = ctx.meter.totals();
  return summary;
}

async function queueDueBatches(
  ctx: DeliveryContext,
  options: CycleOptions,
  filter: ClaimFilter,
  summary: CycleSummary,
) {
  const ids: DeliveryMessage[] = [];
  for (let claims = 0; claims < MAX_QUEUED_BATCHES_PER_RUN; claims++) {
    const claimed = await claimBatch(ctx, {
      size: options.batchSize,
      leaseMs: QUEUED_LEASE_MS,
      frozen: false,
      filter,
    });
    if (!claimed) break;
    summary.due += claimed.members.length + claimed.deferred;
    summary.deferred += claimed.deferred;
    if (claimed.members.length === 0) continue;
    summary.queued += claimed.members.length;
    ids.push({ batchId: claimed.batchId });
    if (ids.length === 100) await options.queue!.sendBatch(ids.splice(0).map((body) => ({ body })));
  }
  if (ids.length > 0) await options.queue!.sendBatch(ids.map((body) => ({ body })));
}

/**
 * Brings readers in line with the deployed catalog, once per change (series_state keeps each series' part ids):
 * a renamed series' readers move to its slug; after an insert, removal or reorder every reader's position is
 * recomputed from their deliveries; readers who had every part and now miss one become due. In the same
 * transaction, readers whose pause ended are resumed (MAX_RESUMES_PER_RUN; the rest next run). Returns whether any
 * series is paused (the claims then skip them; a pause landing mid-run takes effect next run).
 */
async function syncCatalog(ctx: DeliveryContext): Promise<boolean> {
  const { meter, now } = ctx;
  const rows = await meter.all<{ series: string; partCount: number; partIds: string | null; paused: number }>(
    meter.db.prepare(sql.seriesState),
  );
  const seen = new Map(rows.map((row) => [row.series, row]));
  const statements: D1PreparedStatement[] = [];
  for (const series of ctx.catalog.catalog.series) {
    const ids = series.parts.map((part) => part.id);
    const idsJson = JSON.stringify(ids);
    const state = seen.get(series.slug);
    if (state?.partIds === idsJson) continue;
    for (const alias of series.aliases) {
      statements.push(
        meter.db.prepare(sql.renameSubscriptions).bind(alias, series.slug, now),
        meter.db.prepare(sql.renamePartStats).bind(alias, series.slug),
      );
      if (seen.has(alias)) statements.push(meter.db.prepare(sql.forgetSeriesState).bind(alias));
    }
    const before: string[] | null = state?.partIds ? (JSON.parse(state.partIds) as string[]) : null;
    const renamed = series.aliases.some((alias) => seen.has(alias));
    // Parts only added at the end, or a series never seen (no order to change under its readers): positions
    // hold, only caught-up readers move (through their partial index). Anything else: every reader is repositioned.
    const appended = !renamed && (state === undefined || before?.every((id, i) => ids[i] === id));
    if (!appended) statements.push(meter.db.prepare(sql.repositionSeries).bind(series.slug, idsJson, now));
    statements.push(
      meter.db.prepare(sql.wakeCaughtUp).bind(series.slug, ids.length, now),
      meter.db.prepare(sql.saveSeriesState).bind(series.slug, ids.length, now, idsJson),
    );
  }
  // Last, against the released order: a reader resumed here who missed a part while paused is due for it now.
  statements.push(meter.db.prepare(sql.resumePaused).bind(now, ctx.catalog.orderJson, MAX_RESUMES_PER_RUN));
  await meter.batch(statements);
  return rows.some((row) => row.paused === 1);
}

async function reportDue(ctx: DeliveryContext, filter: ClaimFilter, summary: CycleSummary) {
  const { meter, now } = ctx;
  const statement =
    filter.subscriberId !== undefined
      ? meter.db.prepare(sql.dueByPartForSubscriber).bind(filter.subscriberId, now, 1)
      : meter.db.prepare(sql.dueByPart).bind(1, now);
  const rows = await meter.all<{ series: string; partNumber: number; due: number }>(statement);
  for (const row of rows) {
    if (filter.series !== undefined && row.series !== filter.series) continue;
    summary.due += row.due;
    summary.perPart[`${row.series}/${row.partNumber}`] = row.due;
  }
}

import type { DeliveryContext } from "./context";
import { claimableAt, readerZone } from "./schedule";
import { sql, type BatchMember } from "./delivery-queries";

export interface ClaimFilter {
  series?: string;
  subscriberId?: number;
  /** Some series is paused: check candidates against series_state (a read each, so only when needed). */
  seriesPaused?: boolean;
}

export interface ClaimInput {
  size: number;
  leaseMs: number;
  /** Marked as attempted at once (sent inline right after) rather than left open in the queue. */
  frozen: boolean;
  filter?: ClaimFilter;
}

export interface ClaimedBatch {
  batchId: string;
  members: BatchMember[];
  /** Put back for later: outside their send window (or their preferred hour) now. */
  deferred: number;
}

/**
 * Claims up to `size` due subscriptions as one batch, in one D1 transaction. Returns null when nothing is due.
 * `frozen` marks the batch as attempted at once (sent inline right after); a queued batch stays open so an
 * unsubscribe can still take its reader out until a consumer picks it up.
 */
export async function claimBatch(ctx: DeliveryContext, input: ClaimInput): Promise<ClaimedBatch | null> {
  const { meter, now } = ctx;
  const { size, leaseMs, frozen, filter = {} } = input;
  const batchId = crypto.randomUUID();
  const paused = filter.seriesPaused ? 1 : 0;
  const claim =
    filter.subscriberId !== undefined
      ? meter.db.prepare(sql.claimDueForSubscriber).bind(batchId, now, size, filter.subscriberId, paused)
      : filter.series !== undefined
        ? meter.db.prepare(sql.claimDueInSeries).bind(batchId, now, size, filter.series, paused)
        : meter.db.prepare(sql.claimDue).bind(batchId, now, size, paused);
  const results = await meter.batch<BatchMember>([
    claim,
    meter.db.prepare(sql.insertDeliveries).bind(batchId, now, ctx.catalog.orderJson),
    // The lease runs from now, not from the cycle's start: a long cycle must not hand out an expired lease.
    meter.db.prepare(sql.insertBatch).bind(batchId, now, ctx.clock() + leaseMs, frozen ? 1 : 0),
    meter.db.prepare(sql.batchMembers).bind(batchId),
  ]);
  const claimed = results[3]!.results;
  if (claimed.length === 0) return null;

  const members: BatchMember[] = [];
  const putBack: { member: BatchMember; dueAt: number | null }[] = [];
  for (const member of claimed) {
    const series = ctx.catalog.findSeries(member.series);
    const part = series?.parts.find((p) => p.id === member.partId);
    if (!series || !part) {
      putBack.push({ member, dueAt: null }); // no part at this position (all received): wait for the series to change
      continue;
    }
    const sendable = claimableAt(now, series.sendWindow, readerZone(series, member.timezone), member.sendHour ?? null);
    if (sendable > now) putBack.push({ member, dueAt: sendable });
    else members.push(member);
  }
  if (putBack.length > 0) await putBackMembers(ctx, { batchId, putBack, batchIsEmpty: members.length === 0 });
  return { batchId, members, deferred: putBack.filter((p) => p.dueAt !== null).length };
}

/** Members leave a claimed batch, due again at `dueAt` (null: when the series changes); an emptied batch goes too. */
export async function putBackMembers(
  ctx: DeliveryContext,
  input: { batchId: string; putBack: { member: BatchMember; dueAt: number | null }[]; batchIsEmpty: boolean },
) {
  const { meter, now } = ctx;
  const { batchId, putBack, batchIsEmpty } = input;
  const statements = [
    meter.db.prepare(sql.deleteDeliveries).bind(JSON.stringify(putBack.map((p) => p.member.id))),
    meter.db
      .prepare(sql.rescheduleSubscriptions)
      .bind(JSON.stringify(Object.fromEntries(putBack.map((p) => [p.member.subscriptionId, p.dueAt]))), now, batchId),
  ];
  if (batchIsEmpty) statements.push(meter.db.prepare(sql.deleteBatch).bind(batchId));
  await meter.batch(statements);
}

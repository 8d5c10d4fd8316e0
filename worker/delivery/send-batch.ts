import { findPart, findSeries } from "../content/catalog";
import type { OutgoingEmail } from "../mail";
import { composePartEmail } from "./compose";
import {
  IDEMPOTENCY_WINDOW_MS,
  REJECTED_RETRY_MS,
  SENDING_LEASE_MS,
  retryBackoffMs,
  type DeliveryContext,
} from "./context";
import { recordSentBatch } from "./record-batch";
import { sql, type BatchMember } from "./queries";

export type SendOutcome =
  | { kind: "sent"; members: BatchMember[] }
  | { kind: "rate_limited"; retryAfterMs: number }
  | { kind: "rejected"; count: number; message: string }
  | { kind: "unknown"; count: number; message: string }
  /** Someone else holds the batch, or it is already done. */
  | { kind: "skipped" };

/**
 * Sends one claimed batch under its id as the Idempotency-Key and records the answer.
 * `members` are passed when the caller has just claimed (and frozen) the batch; otherwise the lease is taken
 * here, which freezes the members, and they are read back. A batch attempted before is always re-sent with the
 * same members, so the provider can answer with the original ids instead of mailing twice.
 */
export async function sendBatch(
  ctx: DeliveryContext,
  batchId: string,
  options: { members?: BatchMember[]; onlyIfLeaseExpired?: boolean } = {},
): Promise<SendOutcome> {
  const { meter, now } = ctx;
  let members = options.members;
  let attempts = 1;
  if (!members) {
    const take = options.onlyIfLeaseExpired ? sql.takeExpiredBatch : sql.takeBatch;
    // One transaction: take the lease (freezing the members), then read them.
    const [taken, frozen] = await meter.batch<unknown>([
      meter.db.prepare(take).bind(batchId, now, now + SENDING_LEASE_MS),
      meter.db.prepare(sql.batchMembers).bind(batchId),
    ]);
    const row = taken!.results[0] as { attempts: number; createdAt: number } | undefined;
    if (!row) return { kind: "skipped" };
    attempts = row.attempts;
    members = frozen!.results as BatchMember[];
    if (attempts > 1 && now - row.createdAt > IDEMPOTENCY_WINDOW_MS) {
      console.error("batch outcome unknown past the idempotency window; recorded as sent", batchId);
      await recordSentBatch(ctx, batchId, members, members.map(() => null));
      return { kind: "skipped" };
    }
  }
  if (members.length === 0) {
    await meter.batch([meter.db.prepare(sql.deleteBatch).bind(batchId)]);
    return { kind: "skipped" };
  }

  const emails = await Promise.all(members.map((member) => composeMemberEmail(ctx, member)));
  const result = await ctx.mailer.sendBatch(emails, batchId);

  switch (result.kind) {
    case "sent":
      await ctx.hooks?.afterProviderAccepted?.(batchId);
      await recordSentBatch(ctx, batchId, members, result.ids);
      return { kind: "sent", members };
    case "rate_limited":
      // Not accepted. If no other attempt could have been, give the readers back untouched; otherwise the
      // batch must be retried as it is (same key), once the provider lets us.
      if (!(attempts === 1 && (await releaseBatch(ctx, batchId, attempts)))) {
        await postponeBatch(ctx, batchId, result.retryAfterMs, result.message);
      }
      return { kind: "rate_limited", retryAfterMs: result.retryAfterMs };
    case "rejected":
      await meter.batch([
        meter.db.prepare(sql.failDeliveries).bind(batchId),
        meter.db.prepare(sql.failSubscriptions).bind(batchId, now, result.message, now + REJECTED_RETRY_MS),
        meter.db.prepare(sql.failBatch).bind(batchId, now, `${result.status}: ${result.message}`),
      ]);
      return { kind: "rejected", count: members.length, message: result.message };
    case "unknown":
      await postponeBatch(ctx, batchId, retryBackoffMs(attempts), `${result.status ?? "network"}: ${result.message}`);
      return { kind: "unknown", count: members.length, message: result.message };
  }
}

async function composeMemberEmail(ctx: DeliveryContext, member: BatchMember): Promise<OutgoingEmail> {
  const series = findSeries(member.series);
  const part = series && findPart(series, member.partNumber);
  // Claims only take members whose part exists; a deploy that removed it mid-flight is a bug worth a loud error.
  if (!series || !part) throw new Error(`part ${member.partNumber} of series ${member.series} no longer exists`);
  return composePartEmail(ctx.config, series, part, member);
}

/** True when released; false when another attempt started meanwhile (checked in the same transaction). */
async function releaseBatch(ctx: DeliveryContext, batchId: string, attempts: number): Promise<boolean> {
  const { meter } = ctx;
  const results = await meter.batch([
    meter.db.prepare(sql.releaseDeliveries).bind(batchId, attempts),
    meter.db.prepare(sql.releaseSubscriptions).bind(batchId, attempts),
    meter.db.prepare(sql.releaseBatch).bind(batchId, attempts),
  ]);
  return results[2]!.meta.changes > 0;
}

async function postponeBatch(ctx: DeliveryContext, batchId: string, delayMs: number, error: string) {
  await ctx.meter.batch([ctx.meter.db.prepare(sql.postponeBatch).bind(batchId, ctx.now + delayMs, error.slice(0, 500))]);
}

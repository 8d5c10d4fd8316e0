import type { BatchResult, OutgoingEmail } from "../mail/create-mailer";
import { composePartEmail } from "./compose";
import {
  IDEMPOTENCY_WINDOW_MS,
  PROVIDER_SLOT_MAX_WAIT_MS,
  REJECTED_RETRY_MS,
  SENDING_LEASE_MS,
  retryBackoffMs,
  type DeliveryContext,
} from "./context";
import { putBackMembers } from "./claim-batch";
import { recordSentBatch, type RefusedMember } from "./record-batch";
import { sql, type BatchMember } from "./delivery-queries";
import { waitForProviderSlot } from "../mail/provider-slot";

export type SendOutcome =
  /** Accepted; `refused` readers were refused alone (permissive batch) and `setAside` of them for good. */
  | { kind: "sent"; members: BatchMember[]; refused: number; setAside: number }
  /** `local`: no slot of the team-wide rate limit was free, so the provider was not called. */
  | { kind: "rate_limited"; retryAfterMs: number; local?: boolean }
  | { kind: "rejected"; count: number; message: string }
  | { kind: "unknown"; count: number; message: string }
  /** Could not be composed, or refused after an unknown outcome: kept aside with the reason, the cycle goes on. */
  | { kind: "set_aside"; count: number; message: string }
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
  input: { batchId: string; members?: BatchMember[]; onlyIfLeaseExpired?: boolean },
): Promise<SendOutcome> {
  const { meter, now } = ctx;
  const { batchId } = input;
  let members = input.members;
  let attempts = 1;
  if (!members) {
    const take = input.onlyIfLeaseExpired ? sql.takeExpiredBatch : sql.takeBatch;
    const takenAt = ctx.clock();
    // One transaction: take the lease (freezing the members), then read them.
    const [taken, frozen] = await meter.batch<unknown>([
      meter.db.prepare(take).bind(batchId, takenAt, takenAt + SENDING_LEASE_MS),
      meter.db.prepare(sql.batchMembers).bind(batchId),
    ]);
    const row = taken!.results[0] as { attempts: number; createdAt: number } | undefined;
    if (!row) return { kind: "skipped" };
    attempts = row.attempts;
    members = frozen!.results as BatchMember[];
    if (attempts > 1 && takenAt - row.createdAt > IDEMPOTENCY_WINDOW_MS) {
      console.error("batch outcome unknown past the idempotency window; recorded as sent", batchId);
      await recordSentBatch(ctx, { batchId, members, ids: members.map(() => null) });
      return { kind: "skipped" };
    }
  }
  if (attempts === 1) {
    // A deploy removed the part some members were claimed for: nothing was sent yet, so they leave the batch and
    // are due again at once, for the next part they have not received (skipped without error).
    const gone = members.filter((member) => !partOf(ctx, member).part);
    if (gone.length > 0) {
      members = members.filter((member) => !gone.includes(member));
      await putBackMembers(ctx, {
        batchId,
        putBack: gone.map((member) => ({ member, dueAt: now })),
        batchIsEmpty: false,
      });
    }
  }
  if (members.length === 0) {
    await meter.batch([meter.db.prepare(sql.deleteBatch).bind(batchId)]);
    return { kind: "skipped" };
  }

  let emails: OutgoingEmail[];
  try {
    emails = members.map((member) => composeMemberEmail(ctx, member));
  } catch (error) {
    // A poisoned part or reader: this batch is set aside with the reason, never retried as is.
    return setAside(ctx, batchId, attempts, members, `compose: ${errorMessage(error)}`);
  }

  let result: BatchResult;
  const slot = await waitForProviderSlot(ctx, { provider: ctx.mailer.name, perSecond: ctx.config.providerRps });
  if (!slot) {
    result = {
      kind: "rate_limited",
      retryAfterMs: PROVIDER_SLOT_MAX_WAIT_MS,
      message: "no free slot of the team's rate limit",
    };
  } else {
    try {
      result = await ctx.mailer.sendBatch(emails, batchId);
    } catch (error) {
      // A mailer that throws may have reached the provider: the same batch under the same key is the only retry.
      result = { kind: "unknown", status: null, message: errorMessage(error) };
    }
  }

  switch (result.kind) {
    case "sent": {
      const accepted: BatchMember[] = [];
      const ids: string[] = [];
      const refused: RefusedMember[] = [];
      members.forEach((member, i) => {
        const id = result.ids[i];
        if (id) {
          accepted.push(member);
          ids.push(id);
        } else {
          const reason = result.refused?.find((e) => e.index === i)?.message ?? "refused by the provider";
          refused.push({ member, reason: reason.slice(0, 300) });
        }
      });
      const setAsideCount = await recordSentBatch(ctx, { batchId, members: accepted, ids, refused });
      return { kind: "sent", members: accepted, refused: refused.length, setAside: setAsideCount };
    }
    case "rate_limited":
      // Not accepted. If no other attempt could have been, give the readers back untouched; otherwise the
      // batch must be retried as it is (same key), once the provider lets us.
      if (!(attempts === 1 && (await releaseBatch(ctx, batchId, attempts)))) {
        await postponeBatch(ctx, batchId, result.retryAfterMs, result.message);
      }
      return { kind: "rate_limited", retryAfterMs: result.retryAfterMs, ...(!slot && { local: true }) };
    case "rejected":
      if (attempts > 1) return setAside(ctx, batchId, attempts, members, `${result.status}: ${result.message}`);
      await failBatch(ctx, batchId, `${result.status}: ${result.message}`);
      return { kind: "rejected", count: members.length, message: result.message };
    case "unknown":
      await postponeBatch(ctx, batchId, retryBackoffMs(attempts), `${result.status ?? "network"}: ${result.message}`);
      return { kind: "unknown", count: members.length, message: result.message };
  }
}

const partOf = (ctx: DeliveryContext, member: BatchMember) => {
  const series = ctx.catalog.findSeries(member.series);
  return { series, part: series?.parts.find((p) => p.id === member.partId) };
};

function composeMemberEmail(ctx: DeliveryContext, member: BatchMember): OutgoingEmail {
  const { series, part } = partOf(ctx, member);
  // Removed parts leave a batch before its first attempt; after one, the batch must go as it was or not at all.
  if (!series || !part) throw new Error(`part "${member.partId}" of series ${member.series} no longer exists`);
  return composePartEmail(ctx.config, series, part, member);
}

/**
 * A batch that cannot go as it is. First attempt: nothing reached the provider, so it fails like a 4xx (its
 * readers are tried again later, the reason stays on the batch). After an earlier attempt whose outcome is
 * unknown, it may have been delivered: the batch keeps its key and its readers, marked failed_after_unknown.
 */
async function setAside(
  ctx: DeliveryContext,
  batchId: string,
  attempts: number,
  members: BatchMember[],
  reason: string,
): Promise<SendOutcome> {
  const { meter } = ctx;
  const message = reason.slice(0, 500);
  console.error("delivery batch set aside", batchId, message);
  if (attempts > 1) {
    await meter.batch([
      meter.db.prepare(sql.failDeliveriesAfterUnknown).bind(batchId),
      meter.db.prepare(sql.failBatchAfterUnknown).bind(batchId, ctx.clock(), `after an unknown outcome: ${message}`),
    ]);
  } else {
    await failBatch(ctx, batchId, message);
  }
  return { kind: "set_aside", count: members.length, message };
}

/** Rejected as a whole, nothing accepted: the readers go back in line an hour later. */
async function failBatch(ctx: DeliveryContext, batchId: string, message: string) {
  const { meter, now } = ctx;
  await meter.batch([
    meter.db.prepare(sql.failDeliveries).bind(batchId),
    meter.db.prepare(sql.failSubscriptions).bind(batchId, now, message, now + REJECTED_RETRY_MS),
    meter.db.prepare(sql.failBatch).bind(batchId, now, message.slice(0, 500)),
  ]);
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
  await ctx.meter.batch([
    ctx.meter.db.prepare(sql.postponeBatch).bind(batchId, ctx.clock() + delayMs, error.slice(0, 500)),
  ]);
}

const errorMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

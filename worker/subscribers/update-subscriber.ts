import { compiledCatalog } from "../content/catalog";
import { releasedCatalog } from "../content/release";
import type { CompiledSeries } from "../content/types";
import { receivedBefore } from "../delivery/delivery-archive";
import { resumedDueAt } from "../delivery/delivery-queries";

export interface SubscriberPatch {
  /** Pause or resume delivery: every subscription, or only `series`'s. */
  status?: "paused" | "active";
  series?: string;
  /** Move `series`'s subscription to this part (1-based, today's order), due now. */
  part?: number;
  name?: string | null;
  /** An IANA zone already validated by the caller; null = the series' own zone. */
  timezone?: string | null;
}

export type UpdateResult =
  | { kind: "updated" }
  | { kind: "not_found" }
  | { kind: "no_subscription"; series: string }
  | { kind: "conflict"; message: string };

/** ?1 subscriber id, ?2 now, ?3 series or null (all). Only live subscriptions change; stopped or pending stay. */
export const updateSql = {
  pause: `UPDATE subscriptions SET status = 'paused', updated_at = ?2
    WHERE subscriber_id = ?1 AND status = 'active' AND (?3 IS NULL OR series = ?3)`,
  /**
   * ?4 the released catalog's order. A resume clears a "Still reading?" pause's reason and starts the streak again
   * (as a sign of reading does), and wakes a reader who was caught up when a part came out meanwhile (the cycle
   * wakes only active readers), as the preference page's resume does.
   */
  resume: `UPDATE subscriptions SET status = 'active', updated_at = ?2, set_aside_reason = NULL, quiet_parts = 0,
      signal_at = max(coalesce(signal_at, 0), ?2), due_at = ${resumedDueAt("?2", "?4")}
    WHERE subscriber_id = ?1 AND status = 'paused' AND (?3 IS NULL OR series = ?3)`,
  /** The reader's own status follows a pause or resume of everything. */
  pauseReader: `UPDATE subscribers SET status = 'paused', updated_at = ?2 WHERE id = ?1 AND status = 'active'`,
  resumeReader: `UPDATE subscribers SET status = 'active', updated_at = ?2 WHERE id = ?1 AND status = 'paused'`,
  /** ?1 subscription id, ?2 now, ?3 part number. Not while a batch holds it (its position is being recorded). */
  move: `UPDATE subscriptions SET next_part = ?3, due_at = ?2, updated_at = ?2, refusals = 0
    WHERE id = ?1 AND batch_id IS NULL`,
  /** ?1 subscriber id, ?2 now, ?3 name, ?4 timezone; a value not sent keeps the column (the flags ?5, ?6). */
  profile: `UPDATE subscribers SET name = CASE WHEN ?5 THEN ?3 ELSE name END,
    timezone = CASE WHEN ?6 THEN ?4 ELSE timezone END, updated_at = ?2 WHERE id = ?1`,
} as const;

/**
 * The admin's edits of one reader, applied together in one D1 batch. A move to a part the reader already
 * received is refused: the engine sends each part to a reader once (deliveries are unique per part).
 */
export async function updateSubscriber(
  d1: D1Database,
  id: number,
  patch: SubscriberPatch,
  findSeries: (slug: string) => CompiledSeries | undefined,
  now = Date.now(),
): Promise<UpdateResult> {
  const reader = await d1.prepare("SELECT status FROM subscribers WHERE id = ?1").bind(id).first<{ status: string }>();
  if (!reader) return { kind: "not_found" };
  const statements: D1PreparedStatement[] = [];
  const scope = patch.series ?? null;

  if (patch.series !== undefined && (patch.status !== undefined || patch.part !== undefined)) {
    const subscription = await d1
      .prepare(
        `SELECT id, batch_id AS batchId,
           (SELECT count(*) FROM deliveries d WHERE d.subscription_id = subscriptions.id AND d.part_id = ?3)
             + ${receivedBefore("subscriptions.id", "?3")} AS received
         FROM subscriptions WHERE subscriber_id = ?1 AND series = ?2`,
      )
      .bind(
        id,
        patch.series,
        patch.part === undefined ? "" : (findSeries(patch.series)?.parts[patch.part - 1]?.id ?? ""),
      )
      .first<{ id: number; batchId: string | null; received: number }>();
    if (!subscription) return { kind: "no_subscription", series: patch.series };
    if (patch.part !== undefined) {
      if (subscription.batchId !== null)
        return { kind: "conflict", message: "A part is being sent to this reader; try again in a minute." };
      if (subscription.received > 0)
        return {
          kind: "conflict",
          message: `part: this reader already received part ${patch.part}; each part is sent once.`,
        };
      statements.push(d1.prepare(updateSql.move).bind(subscription.id, now, patch.part));
    }
  }
  if (patch.status !== undefined) {
    if (!["active", "paused"].includes(reader.status)) {
      return { kind: "conflict", message: `status: a ${reader.status} reader cannot be paused or resumed.` };
    }
    statements.push(
      patch.status === "paused"
        ? d1.prepare(updateSql.pause).bind(id, now, scope)
        : d1.prepare(updateSql.resume).bind(id, now, scope, releasedCatalog(compiledCatalog, now).orderJson),
    );
    // Pausing everything pauses the reader; resuming any series makes them active again (the claim checks both).
    if (patch.status === "active") statements.push(d1.prepare(updateSql.resumeReader).bind(id, now));
    else if (scope === null) statements.push(d1.prepare(updateSql.pauseReader).bind(id, now));
  }
  if (patch.name !== undefined || patch.timezone !== undefined) {
    statements.push(
      d1
        .prepare(updateSql.profile)
        .bind(
          id,
          now,
          patch.name?.trim() || null,
          patch.timezone ?? null,
          patch.name !== undefined ? 1 : 0,
          patch.timezone !== undefined ? 1 : 0,
        ),
    );
  }
  if (statements.length) await d1.batch(statements);
  return { kind: "updated" };
}

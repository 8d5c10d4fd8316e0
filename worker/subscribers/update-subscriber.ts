import type { AppDeps } from "../app-deps";
import { findSeries } from "../content/catalog";
import { updateSql } from "./subscriber-admin-queries";

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

/**
 * The admin's edits of one reader, applied together in one D1 batch. A move to a part the reader already
 * received is refused: the engine sends each part to a reader once (deliveries are unique per part).
 */
export async function updateSubscriber(
  deps: Pick<AppDeps, "db" | "catalog" | "clock">,
  input: { id: number; patch: SubscriberPatch },
): Promise<UpdateResult> {
  const { db: d1 } = deps;
  const { id, patch } = input;
  const now = deps.clock();
  const reader = await d1.prepare(updateSql.readerStatus).bind(id).first<{ status: string }>();
  if (!reader) return { kind: "not_found" };
  const statements: D1PreparedStatement[] = [];
  const scope = patch.series ?? null;

  if (patch.series !== undefined && (patch.status !== undefined || patch.part !== undefined)) {
    const subscription = await d1
      .prepare(updateSql.subscription)
      .bind(
        id,
        patch.series,
        // Today's numbering of the whole catalog, as the routes check it (a part scheduled for later included).
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
        : d1.prepare(updateSql.resume).bind(id, now, scope, deps.catalog.orderJson),
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

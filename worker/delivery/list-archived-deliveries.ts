import { findSeries } from "../content/catalog";
import { subscriptionIdsOf } from "./delivery-archive";
import { positionToday } from "./find-delivery";
import type { ListDeliveriesInput } from "./list-deliveries";

/**
 * One page of delivery_archive runs, newest first (a run: consecutive delivery ids of one batch and part). With
 * a series and part: that part's runs through delivery_archive_part_ref_idx, in id order. With a series only,
 * or nothing: the primary key's order backwards (`+` keeps the part index out: it would need a sort), stopped by
 * the LIMIT. Null when the filter excludes slimmed deliveries (they are all sent).
 */
export function listArchivedRunsQuery(
  input: ListDeliveriesInput,
  before: number | undefined,
  runs: number,
): { text: string; params: unknown[] } | null {
  if (input.status !== undefined && input.status !== "sent") return null;
  const filters: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => `?${params.push(value)}`;
  if (input.series !== undefined && input.part !== undefined) {
    const partId = findSeries(input.series)?.parts[input.part - 1]?.id ?? "";
    filters.push(
      `a.part_ref = (SELECT id FROM part_refs WHERE part_id = ${param(partId)} AND series = ${param(input.series)})`,
    );
  } else if (input.series !== undefined) {
    filters.push(`+a.part_ref IN (SELECT id FROM part_refs WHERE series = ${param(input.series)})`);
  }
  if (before !== undefined) filters.push(`a.first_id < ${param(before)}`);
  const text = `SELECT a.first_id AS firstId, a.sent_at AS sentAt, a.subscription_ids AS subscriptionIds, r.series, r.part_id AS partId
    FROM delivery_archive a JOIN part_refs r ON r.id = a.part_ref ${filters.length ? `WHERE ${filters.join(" AND ")}` : ""}
    ORDER BY a.first_id DESC LIMIT ${param(runs)}`;
  return { text, params };
}

/** ?1 JSON array of subscription ids: their readers (an erased reader's subscription is gone, so are they). */
export const readersOfSql = `SELECT id, subscriber_id AS subscriberId FROM subscriptions WHERE id IN (SELECT value FROM json_each(?1))`;

/** A slimmed delivery as the admin list shows it: what is kept (no recipient snapshot, provider id or batch). */
export interface ArchivedDelivery {
  id: number;
  subscriberId: number;
  series: string;
  partId: string;
  partNumber: number | null;
  sentAt: number;
}

/** Up to `want` slimmed deliveries matching `input`, newest first, with ids below its cursor. */
export async function listArchivedDeliveries(
  d1: D1Database,
  input: ListDeliveriesInput,
  want: number,
): Promise<ArchivedDelivery[]> {
  const out: ArchivedDelivery[] = [];
  let before = input.cursor;
  while (out.length < want) {
    const query = listArchivedRunsQuery(input, before, want);
    if (!query) break;
    const { results: runs } = await d1
      .prepare(query.text)
      .bind(...query.params)
      .all<{
        firstId: number;
        sentAt: number;
        subscriptionIds: ArrayBuffer | number[];
        series: string;
        partId: string;
      }>();
    const members = runs.flatMap((run) =>
      subscriptionIdsOf(run.subscriptionIds)
        .map((subscriptionId, k) => ({ id: run.firstId + k, subscriptionId, run }))
        .filter((m) => input.cursor === undefined || m.id < input.cursor)
        .reverse(),
    );
    const { results: readers } = await d1
      .prepare(readersOfSql)
      .bind(JSON.stringify([...new Set(members.map((m) => m.subscriptionId))]))
      .all<{ id: number; subscriberId: number }>();
    const readerOf = new Map(readers.map((r) => [r.id, r.subscriberId]));
    for (const { id, subscriptionId, run } of members) {
      const subscriberId = readerOf.get(subscriptionId);
      if (subscriberId === undefined) continue;
      out.push({
        id,
        subscriberId,
        series: run.series,
        partId: run.partId,
        partNumber: positionToday(run.series, run.partId),
        sentAt: run.sentAt,
      });
    }
    // Fewer runs than asked: there are no more. Otherwise erased readers left gaps: read on.
    if (runs.length < want) break;
    before = runs[runs.length - 1]!.firstId;
  }
  return out.slice(0, want);
}

import type { AppDeps } from "../app-deps";
import { listArchivedRunsQuery, readersOfSql } from "./delivery-list-queries";
import { subscriptionIdsOf } from "./delivery-archive";
import { positionToday } from "./find-delivery";
import type { ListDeliveriesInput } from "./list-deliveries";

/** A slimmed delivery as the admin list shows it: what is kept (no recipient snapshot, provider id or batch). */
export interface ArchivedDelivery {
  id: number;
  subscriberId: number;
  series: string;
  partId: string;
  partNumber: number | null;
  sentAt: number;
}

/** Up to `input.want` slimmed deliveries matching `input`, newest first, with ids below its cursor. */
export async function listArchivedDeliveries(
  deps: Pick<AppDeps, "db">,
  input: ListDeliveriesInput & { want: number },
): Promise<ArchivedDelivery[]> {
  const { db: d1 } = deps;
  const { want } = input;
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

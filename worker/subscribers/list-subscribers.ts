import type { SubscriberStatus } from "../../db/schema";
import type { AppDeps } from "../app-deps";
import { isoOrNull, toPage } from "../lib/page";
import { listSubscribersQuery, positionsSql } from "./subscriber-admin-queries";

export interface ListSubscribersInput {
  q?: string;
  status?: SubscriberStatus;
  /** Only readers with a subscription to this series. */
  series?: string;
  /** Id of the last subscriber of the previous page (newest first). */
  cursor?: number;
  limit: number;
}

interface ReaderRow {
  id: number;
  email: string;
  name: string | null;
  status: SubscriberStatus;
  timezone: string | null;
  createdAt: number;
  confirmedAt: number | null;
}

interface PositionRow {
  subscriberId: number;
  series: string;
  status: string;
  nextPart: number;
  dueAt: number | null;
}

/** Newest first, keyset-paginated by id, with each reader's position in every series: two statements. */
export async function listSubscribers(deps: Pick<AppDeps, "db">, input: ListSubscribersInput) {
  const { text, params } = listSubscribersQuery(input);
  const { results: rows } = await deps.db
    .prepare(text)
    .bind(...params)
    .all<ReaderRow>();
  const page = rows.slice(0, input.limit);
  const positions = page.length
    ? (
        await deps.db
          .prepare(positionsSql)
          .bind(JSON.stringify(page.map((row) => row.id)))
          .all<PositionRow>()
      ).results
    : [];
  return toPage(
    rows,
    input.limit,
    (row) => ({
      id: row.id,
      email: row.email,
      name: row.name,
      status: row.status,
      timezone: row.timezone,
      createdAt: new Date(row.createdAt).toISOString(),
      confirmedAt: isoOrNull(row.confirmedAt),
      series: positions
        .filter((position) => position.subscriberId === row.id)
        .map((position) => ({
          series: position.series,
          status: position.status,
          nextPart: position.nextPart,
          dueAt: isoOrNull(position.dueAt),
        })),
    }),
    (row) => String(row.id),
  );
}

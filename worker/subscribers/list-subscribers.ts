import { and, desc, eq, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import { subscribers, subscriptions, type SubscriberStatus } from "../../db/schema";
import type { Database } from "../db";
import { toPage, isoOrNull } from "../lib/page";

export interface ListSubscribersInput {
  q?: string;
  status?: SubscriberStatus;
  /** Only readers with a subscription to this series. */
  series?: string;
  /** Id of the last subscriber of the previous page (newest first). */
  cursor?: number;
  limit: number;
}

/** Newest first, keyset-paginated by id, with each reader's position in every series. */
export async function listSubscribers(db: Database, input: ListSubscribersInput) {
  const filters: SQL[] = [];
  if (input.status) filters.push(eq(subscribers.status, input.status));
  if (input.cursor !== undefined) filters.push(lt(subscribers.id, input.cursor));
  if (input.series !== undefined) {
    // A probe of subscriptions_subscriber_id_series_idx per reader walked, never a scan of subscriptions.
    filters.push(
      sql`EXISTS (SELECT 1 FROM ${subscriptions} WHERE ${subscriptions.subscriberId} = ${subscribers.id} AND ${subscriptions.series} = ${input.series})`,
    );
  }
  if (input.q) {
    const pattern = `%${input.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    filters.push(
      or(
        sql`${subscribers.emailKey} LIKE ${pattern} ESCAPE '\\'`,
        sql`lower(${subscribers.name}) LIKE ${pattern} ESCAPE '\\'`,
      )!,
    );
  }
  const rows = await db
    .select()
    .from(subscribers)
    .where(filters.length ? and(...filters) : undefined)
    .orderBy(desc(subscribers.id))
    .limit(input.limit + 1);
  const page = rows.slice(0, input.limit);
  const positions = page.length
    ? await db
        .select()
        .from(subscriptions)
        .where(
          inArray(
            subscriptions.subscriberId,
            page.map((row) => row.id),
          ),
        )
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

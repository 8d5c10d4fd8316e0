import { and, desc, eq, inArray, lt, or, sql, type SQL } from "drizzle-orm";
import { subscribers, subscriptions, type SubscriberStatus } from "../../db/schema";
import type { Database } from "../db";

export interface ListSubscribersInput {
  q?: string;
  status?: SubscriberStatus;
  /** Id of the last subscriber of the previous page (newest first). */
  cursor?: number;
  limit: number;
}

/** Newest first, keyset-paginated by id, with each reader's position in every series. */
export async function listSubscribers(db: Database, input: ListSubscribersInput) {
  const filters: SQL[] = [];
  if (input.status) filters.push(eq(subscribers.status, input.status));
  if (input.cursor !== undefined) filters.push(lt(subscribers.id, input.cursor));
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
    ? await db.select().from(subscriptions).where(inArray(subscriptions.subscriberId, page.map((row) => row.id)))
    : [];
  return {
    subscribers: page.map((row) => ({
      id: row.id,
      email: row.email,
      name: row.name,
      status: row.status,
      timezone: row.timezone,
      createdAt: new Date(row.createdAt).toISOString(),
      confirmedAt: row.confirmedAt ? new Date(row.confirmedAt).toISOString() : null,
      series: positions
        .filter((position) => position.subscriberId === row.id)
        .map((position) => ({
          series: position.series,
          status: position.status,
          nextPart: position.nextPart,
          dueAt: position.dueAt ? new Date(position.dueAt).toISOString() : null,
        })),
    })),
    nextCursor: rows.length > input.limit ? String(page[page.length - 1]!.id) : null,
  };
}

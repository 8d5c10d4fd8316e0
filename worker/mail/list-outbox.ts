import { and, desc, eq, lt, or, sql } from "drizzle-orm";
import { outbox } from "../../db/schema";
import type { Database } from "../db";
import { toPage } from "../lib/page";

export interface ListOutboxInput {
  limit: number;
  /** [created_at, rowid] of the last message of the previous page. */
  cursor?: [number, number];
  /** Only messages to this address (case-insensitive). */
  to?: string;
}

/**
 * Newest first. Pages are keyed by (created_at, rowid): created_at alone repeats (batches are sent in the same
 * millisecond), and a cursor on it alone would skip the rest of a tie at a page boundary.
 */
export async function listOutbox(db: Database, input: ListOutboxInput) {
  const rowid = sql<number>`${outbox}.rowid`;
  const { cursor, to, limit } = input;
  const rows = await db
    .select({ row: outbox, rowid })
    .from(outbox)
    .where(
      and(
        cursor
          ? or(lt(outbox.createdAt, cursor[0]), and(eq(outbox.createdAt, cursor[0]), lt(rowid, cursor[1])))
          : undefined,
        // Filtered in the query, not after the page is cut: a page holds `limit` messages to that address.
        to ? sql`lower(${outbox.to}) = ${to.toLowerCase()}` : undefined,
      ),
    )
    .orderBy(desc(outbox.createdAt), desc(rowid))
    .limit(limit + 1);
  return toPage(
    rows,
    limit,
    ({ row }) => ({ ...row, createdAt: new Date(row.createdAt).toISOString() }),
    ({ row, rowid }) => `${row.createdAt}-${rowid}`,
  );
}

export type OutboxMessage = Awaited<ReturnType<typeof listOutbox>>["data"][number];

export async function findOutboxMessage(db: Database, id: string): Promise<OutboxMessage | undefined> {
  const row = await db.query.outbox.findFirst({ where: eq(outbox.id, id) });
  return row && { ...row, createdAt: new Date(row.createdAt).toISOString() };
}

import type { AppDeps } from "../app-deps";
import { toPage } from "../lib/page";
import { outboxListSql } from "./outbox-list-queries";

export interface ListOutboxInput {
  limit: number;
  /** [created_at, rowid] of the last message of the previous page. */
  cursor?: [number, number];
  /** Only messages to this address (case-insensitive). */
  to?: string;
}

interface OutboxRow {
  rowid: number;
  id: string;
  idempotencyKey: string | null;
  from: string;
  to: string;
  subject: string;
  html: string;
  text: string;
  /** JSON, as the outbox mailer stores it. */
  headers: string;
  createdAt: number;
}

/** A stored message as the admin sees it: its headers parsed, its time in ISO 8601. */
function outboxMessage({ rowid: _rowid, ...row }: OutboxRow) {
  return {
    ...row,
    headers: JSON.parse(row.headers) as Record<string, string>,
    createdAt: new Date(row.createdAt).toISOString(),
  };
}

export type OutboxMessage = ReturnType<typeof outboxMessage>;

/** Newest first, keyset-paginated on (created_at, rowid). */
export async function listOutbox(deps: Pick<AppDeps, "db">, input: ListOutboxInput) {
  const { cursor, to, limit } = input;
  const { results } = await deps.db
    .prepare(outboxListSql.page)
    .bind(cursor?.[0] ?? null, cursor?.[1] ?? null, to ? to.toLowerCase() : null, limit + 1)
    .all<OutboxRow>();
  return toPage(results, limit, outboxMessage, (row) => `${row.createdAt}-${row.rowid}`);
}

export async function findOutboxMessage(deps: Pick<AppDeps, "db">, id: string): Promise<OutboxMessage | undefined> {
  const row = await deps.db.prepare(outboxListSql.message).bind(id).first<OutboxRow>();
  return row ? outboxMessage(row) : undefined;
}

import type { AppDeps } from "../app-deps";
import { isoOrNull, toPage } from "../lib/page";
import { deadLetterSql } from "./feedback-queries";

export type DeadLetterRow = [
  messageId: string,
  svixId: string | null,
  type: string | null,
  emailId: string | null,
  receivedAt: number | null,
];

/** Records the events the feedback queue gave up on, in one statement; a dead letter delivered twice is kept once. */
export async function recordDeadLetters(deps: Pick<AppDeps, "db" | "clock">, rows: DeadLetterRow[]): Promise<number> {
  const result = await deps.db.prepare(deadLetterSql.record).bind(JSON.stringify(rows), deps.clock()).run();
  return result.meta.changes;
}

export interface ListDeadLettersInput {
  limit: number;
  cursor?: [number, number];
}

/** Dead-lettered provider events, newest first. */
export async function listDeadLettersPage(deps: Pick<AppDeps, "db">, input: ListDeadLettersInput) {
  const [at, rowid] = input.cursor ?? [null, null];
  const { results } = await deps.db
    .prepare(deadLetterSql.list)
    .bind(input.limit + 1, at, rowid)
    .all<{
      rowid: number;
      svixId: string | null;
      type: string | null;
      providerMessageId: string | null;
      receivedAt: number | null;
      deadAt: number;
      recorded: number;
    }>();
  return toPage(
    results,
    input.limit,
    ({ rowid: _rowid, ...row }) => ({
      ...row,
      receivedAt: isoOrNull(row.receivedAt),
      deadAt: new Date(row.deadAt).toISOString(),
      recorded: row.recorded === 1,
    }),
    (row) => `${row.deadAt}-${row.rowid}`,
  );
}

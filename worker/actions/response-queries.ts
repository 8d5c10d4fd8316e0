/**
 * The statements of the readers' responses (the form behind a part's call to action, and the admin's list), in
 * one place so tests/routes/reader-query-plans.test.ts can prove none scans a table.
 */
import { findSeries } from "../content/catalog";
import { signalReading } from "../reengage/reengage-queries";
import type { ListResponsesInput } from "./action-responses";

export const responseSql = {
  /** ?1 delivery id (responses_delivery_id unique index). */
  find: `SELECT body FROM responses WHERE delivery_id = ?1`,
  /** ?1 delivery, ?2 reader, ?3 series, ?4 part number, ?5 body, ?6 now, ?7 part id: one response per delivery. */
  save: `INSERT INTO responses (delivery_id, subscriber_id, series, part_number, part_id, body, created_at, updated_at)
    VALUES (?1, ?2, ?3, ?4, ?7, ?5, ?6, ?6)
    ON CONFLICT (delivery_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
  /** ?1 delivery id, ?2 now: a response is a sign of reading. */
  signalReading: signalReading("SELECT subscription_id FROM deliveries WHERE id = ?1", "?2"),
} as const;

/** One page of responses, newest (last written) first, keyset on (updated_at, id), with the reader's address. */
export function listResponsesQuery(input: ListResponsesInput): { text: string; params: unknown[] } {
  const filters: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => `?${params.push(value)}`;
  if (input.series !== undefined) filters.push(`r.series = ${param(input.series)}`);
  if (input.part !== undefined && input.series !== undefined) {
    // By id: the responses to the part that is number `part` today, whatever its position when they were sent.
    filters.push(`r.part_id = ${param(findSeries(input.series)?.parts[input.part - 1]?.id ?? "")}`);
  } else if (input.part !== undefined) filters.push(`r.part_number = ${param(input.part)}`);
  if (input.cursor) {
    const [updatedAt, id] = input.cursor;
    filters.push(
      `(r.updated_at < ${param(updatedAt)} OR (r.updated_at = ${param(updatedAt)} AND r.id < ${param(id)}))`,
    );
  }
  const text = `SELECT r.id, r.series, r.part_id AS partId, r.part_number AS partNumber, s.email, s.name, r.body,
      r.created_at AS createdAt, r.updated_at AS updatedAt
    FROM responses r JOIN subscribers s ON s.id = r.subscriber_id
    ${filters.length ? `WHERE ${filters.join(" AND ")}` : ""}
    ORDER BY r.updated_at DESC, r.id DESC LIMIT ${param(input.limit + 1)}`;
  return { text, params };
}

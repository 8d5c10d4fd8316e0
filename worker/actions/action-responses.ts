import { findSeries } from "../content/catalog";
import { bumpPartStatWhere } from "../stats/part-stats";
import type { ReaderDelivery } from "./reader-delivery";
import { toPage } from "../lib/page";
import { signalReading } from "../reengage/reengage-queries";

/** The longest response we keep, in characters (after line breaks are normalized). */
export const MAX_RESPONSE_LENGTH = 2_000;

/** The reader's earlier response to this email, to prefill the form (they may come back and edit it). */
export async function findResponse(d1: D1Database, deliveryId: number): Promise<string | null> {
  const row = await d1
    .prepare("SELECT body FROM responses WHERE delivery_id = ?1")
    .bind(deliveryId)
    .first<{ body: string }>();
  return row?.body ?? null;
}

/**
 * Stores (or replaces) the reader's response; the part's `responses` counter counts readers, not edits. A
 * response is a sign of reading: the reader's "Still reading?" streak starts again.
 */
export async function saveResponse(
  d1: D1Database,
  input: { delivery: ReaderDelivery; body: string; now: number },
): Promise<"created" | "updated"> {
  const { delivery, body, now } = input;
  const [bump] = await d1.batch([
    bumpPartStatWhere(
      d1,
      delivery.series,
      delivery.partId,
      "responses",
      1,
      "NOT EXISTS (SELECT 1 FROM responses WHERE delivery_id = ?4)",
      delivery.id,
    ),
    d1
      .prepare(
        `INSERT INTO responses (delivery_id, subscriber_id, series, part_number, part_id, body, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?7, ?5, ?6, ?6)
         ON CONFLICT (delivery_id) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
      )
      .bind(delivery.id, delivery.subscriberId, delivery.series, delivery.partNumber, body, now, delivery.partId),
    d1.prepare(signalReading("SELECT subscription_id FROM deliveries WHERE id = ?1", "?2")).bind(delivery.id, now),
  ]);
  return bump!.meta.changes > 0 ? "created" : "updated";
}

export interface ListResponsesInput {
  series?: string;
  /** The part at this position today (with `series`: its responses follow it; without, the position when sent). */
  part?: number;
  /** [updatedAt, id] of the last response of the previous page. */
  cursor?: [number, number];
  limit: number;
}

interface ResponseRow {
  id: number;
  series: string;
  partId: string;
  partNumber: number;
  email: string;
  name: string | null;
  body: string;
  createdAt: number;
  updatedAt: number;
}

/** Newest (last written) first, keyset-paginated on (updated_at, id), with the reader's address. */
export async function listResponses(d1: D1Database, input: ListResponsesInput) {
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
  const { results } = await d1
    .prepare(
      `SELECT r.id, r.series, r.part_id AS partId, r.part_number AS partNumber, s.email, s.name, r.body,
         r.created_at AS createdAt, r.updated_at AS updatedAt
       FROM responses r JOIN subscribers s ON s.id = r.subscriber_id
       ${filters.length ? `WHERE ${filters.join(" AND ")}` : ""}
       ORDER BY r.updated_at DESC, r.id DESC LIMIT ${param(input.limit + 1)}`,
    )
    .bind(...params)
    .all<ResponseRow>();
  return toPage(
    results,
    input.limit,
    (row) => ({
      id: row.id,
      series: row.series,
      // Its position today (null once removed from the catalog), and its id.
      part: partPosition(row.series, row.partId),
      partId: row.partId,
      email: row.email,
      name: row.name,
      body: row.body,
      createdAt: new Date(row.createdAt).toISOString(),
      updatedAt: new Date(row.updatedAt).toISOString(),
    }),
    (row) => `${row.updatedAt}-${row.id}`,
  );
}

function partPosition(series: string, partId: string): number | null {
  const index = findSeries(series)?.parts.findIndex((part) => part.id === partId) ?? -1;
  return index >= 0 ? index + 1 : null;
}

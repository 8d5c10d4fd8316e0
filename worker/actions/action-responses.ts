import type { AppDeps } from "../app-deps";
import { findSeries } from "../content/catalog";
import { bumpPartStatWhere } from "../stats/part-stats";
import type { ReaderDelivery } from "./reader-delivery";
import { toPage } from "../lib/page";
import { listResponsesQuery, responseSql } from "./response-queries";

/** The longest response we keep, in characters (after line breaks are normalized). */
export const MAX_RESPONSE_LENGTH = 2_000;

/** The reader's earlier response to this email, to prefill the form (they may come back and edit it). */
export async function findResponse(deps: Pick<AppDeps, "db">, deliveryId: number): Promise<string | null> {
  const row = await deps.db.prepare(responseSql.find).bind(deliveryId).first<{ body: string }>();
  return row?.body ?? null;
}

/**
 * Stores (or replaces) the reader's response; the part's `responses` counter counts readers, not edits. A
 * response is a sign of reading: the reader's "Still reading?" streak starts again.
 */
export async function saveResponse(
  deps: Pick<AppDeps, "db">,
  input: { delivery: ReaderDelivery; body: string; now: number },
): Promise<"created" | "updated"> {
  const { db: d1 } = deps;
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
      .prepare(responseSql.save)
      .bind(delivery.id, delivery.subscriberId, delivery.series, delivery.partNumber, body, now, delivery.partId),
    d1.prepare(responseSql.signalReading).bind(delivery.id, now),
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
export async function listResponses(deps: Pick<AppDeps, "db">, input: ListResponsesInput) {
  const { text, params } = listResponsesQuery(input);
  const { results } = await deps.db
    .prepare(text)
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

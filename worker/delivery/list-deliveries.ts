import { findSeries } from "../content/catalog";
import type { DeliveryStatus } from "../../db/schema";
import { isoOrNull, toPage } from "../lib/page";
import { listArchivedDeliveries } from "./list-archived-deliveries";

export interface ListDeliveriesInput {
  series?: string;
  /** The part at this position today (needs `series`): its deliveries, by part id, wherever it was when sent. */
  part?: number;
  status?: DeliveryStatus;
  /** Id of the last delivery of the previous page (newest first). */
  cursor?: number;
  limit: number;
}

/**
 * The SQL of one page: keyset on id, newest first. With a series it is served by deliveries_series_part_id_idx
 * (series alone: that index's range, sorted; series and part: the index order itself); without, by the primary key.
 */
export function listDeliveriesQuery(input: ListDeliveriesInput): { text: string; params: unknown[] } {
  const filters: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => `?${params.push(value)}`;
  if (input.series !== undefined) filters.push(`series = ${param(input.series)}`);
  if (input.series !== undefined && input.part !== undefined) {
    filters.push(`part_id = ${param(findSeries(input.series)?.parts[input.part - 1]?.id ?? "")}`);
  }
  if (input.status !== undefined) filters.push(`status = ${param(input.status)}`);
  if (input.cursor !== undefined) filters.push(`id < ${param(input.cursor)}`);
  const text = `SELECT id, subscriber_id AS subscriberId, series, part_id AS partId, part_number AS partNumber, status,
      to_email AS toEmail, batch_id AS batchId, provider_message_id AS providerMessageId, created_at AS createdAt,
      sent_at AS sentAt, delivered_at AS deliveredAt, opened_at AS openedAt, bounced_at AS bouncedAt,
      complained_at AS complainedAt
    FROM deliveries ${filters.length ? `WHERE ${filters.join(" AND ")}` : ""}
    ORDER BY id DESC LIMIT ${param(input.limit + 1)}`;
  return { text, params };
}

/** A slimmed delivery in the list's shape: what it no longer keeps is null. */
type SlimmedRow = Omit<DeliveryRow, "partNumber" | "toEmail" | "batchId"> & {
  partNumber: number | null;
  toEmail: null;
  batchId: null;
  slimmed: true;
};

interface DeliveryRow {
  id: number;
  subscriberId: number;
  series: string;
  partId: string;
  partNumber: number;
  status: DeliveryStatus;
  toEmail: string;
  batchId: string;
  providerMessageId: string | null;
  createdAt: number;
  sentAt: number | null;
  deliveredAt: number | null;
  openedAt: number | null;
  bouncedAt: number | null;
  complainedAt: number | null;
}

/**
 * Live deliveries and slimmed ones (older than the retention window: recipient, provider id and batch no longer
 * kept) in one id order, newest first.
 */
export async function listDeliveries(d1: D1Database, input: ListDeliveriesInput) {
  const { text, params } = listDeliveriesQuery(input);
  const { results: live } = await d1
    .prepare(text)
    .bind(...params)
    .all<DeliveryRow>();
  const slimmed = (await listArchivedDeliveries(d1, input, input.limit + 1)).map(
    (row): SlimmedRow => ({
      ...row,
      status: "sent",
      toEmail: null,
      batchId: null,
      providerMessageId: null,
      createdAt: row.sentAt,
      deliveredAt: null,
      openedAt: null,
      bouncedAt: null,
      complainedAt: null,
      slimmed: true,
    }),
  );
  const rows = [...live.map((row) => ({ ...row, slimmed: false })), ...slimmed]
    .sort((a, b) => b.id - a.id)
    .slice(0, input.limit + 1);
  return toPage(
    rows,
    input.limit,
    (row) => ({
      ...row,
      createdAt: new Date(row.createdAt).toISOString(),
      sentAt: isoOrNull(row.sentAt),
      deliveredAt: isoOrNull(row.deliveredAt),
      openedAt: isoOrNull(row.openedAt),
      bouncedAt: isoOrNull(row.bouncedAt),
      complainedAt: isoOrNull(row.complainedAt),
    }),
    (row) => String(row.id),
  );
}

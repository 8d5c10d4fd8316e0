import type { AppDeps } from "../app-deps";
import type { DeliveryStatus } from "../../db/schema";
import { isoOrNull, toPage } from "../lib/page";
import { listDeliveriesQuery } from "./delivery-list-queries";
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
export async function listDeliveries(deps: Pick<AppDeps, "db">, input: ListDeliveriesInput) {
  const { text, params } = listDeliveriesQuery(input);
  const { results: live } = await deps.db
    .prepare(text)
    .bind(...params)
    .all<DeliveryRow>();
  const slimmed = (await listArchivedDeliveries(deps, { ...input, want: input.limit + 1 })).map(
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

/**
 * The statements of the admin's delivery lists (live, slimmed, set-aside batches) and of the lookup of one
 * delivery by the id a link carries, in one place so tests/routes/admin-lists.test.ts and
 * tests/retention/query-plans.test.ts can prove which index serves each. The cycle's own are in delivery-queries.ts.
 */
import { findSeries } from "../content/catalog";
import type { ListDeliveriesInput } from "./list-deliveries";

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

/**
 * One page of delivery_archive runs, newest first (a run: consecutive delivery ids of one batch and part). With
 * a series and part: that part's runs through delivery_archive_part_ref_idx, in id order. With a series only,
 * or nothing: the primary key's order backwards (`+` keeps the part index out: it would need a sort), stopped by
 * the LIMIT. Null when the filter excludes slimmed deliveries (they are all sent).
 */
export function listArchivedRunsQuery(
  input: ListDeliveriesInput,
  before: number | undefined,
  runs: number,
): { text: string; params: unknown[] } | null {
  if (input.status !== undefined && input.status !== "sent") return null;
  const filters: string[] = [];
  const params: unknown[] = [];
  const param = (value: unknown) => `?${params.push(value)}`;
  if (input.series !== undefined && input.part !== undefined) {
    const partId = findSeries(input.series)?.parts[input.part - 1]?.id ?? "";
    filters.push(
      `a.part_ref = (SELECT id FROM part_refs WHERE part_id = ${param(partId)} AND series = ${param(input.series)})`,
    );
  } else if (input.series !== undefined) {
    filters.push(`+a.part_ref IN (SELECT id FROM part_refs WHERE series = ${param(input.series)})`);
  }
  if (before !== undefined) filters.push(`a.first_id < ${param(before)}`);
  const text = `SELECT a.first_id AS firstId, a.sent_at AS sentAt, a.subscription_ids AS subscriptionIds, r.series, r.part_id AS partId
    FROM delivery_archive a JOIN part_refs r ON r.id = a.part_ref ${filters.length ? `WHERE ${filters.join(" AND ")}` : ""}
    ORDER BY a.first_id DESC LIMIT ${param(runs)}`;
  return { text, params };
}

/** ?1 JSON array of subscription ids: their readers (an erased reader's subscription is gone, so are they). */
export const readersOfSql = `SELECT id, subscriber_id AS subscriberId FROM subscriptions WHERE id IN (SELECT value FROM json_each(?1))`;

/**
 * ?1 delivery id. A live delivery by primary key, else the archived run that would hold the id (the newest run
 * starting at or before it; runs never overlap): one statement, two primary-key probes.
 */
export const findDeliverySql = `SELECT 0 AS slimmed, id, subscription_id AS subscriptionId, subscriber_id AS subscriberId, series,
    part_id AS partId, part_number AS partNumber, sent_at AS sentAt, NULL AS firstId, NULL AS subscriptionIds FROM deliveries WHERE id = ?1
  UNION ALL
  SELECT 1, ?1, NULL, NULL, r.series, r.part_id, 0, a.sent_at, a.first_id, a.subscription_ids
  FROM delivery_archive a JOIN part_refs r ON r.id = a.part_ref
  WHERE a.first_id = (SELECT max(first_id) FROM delivery_archive WHERE first_id <= ?1)
  LIMIT 1`;

/** ?1 subscription id: its reader (gone once erased). */
export const subscriberOfSql = `SELECT subscriber_id AS subscriberId FROM subscriptions WHERE id = ?1`;

/**
 * ?1 status, ?2 limit + 1, ?3/?4 the cursor (set_aside_at, rowid; null on the first page). Served by the partial
 * index batches_set_aside_idx (status, set_aside_at, rowid): the order costs no sort.
 */
export const setAsideBatchesSql = `SELECT b.rowid AS rowid, id, status, attempts, last_error AS lastError,
    created_at AS createdAt, set_aside_at AS setAsideAt,
    (SELECT count(*) FROM deliveries d WHERE d.batch_id = b.id) AS readers
  FROM batches b WHERE status = ?1 AND set_aside_at IS NOT NULL
    AND (?3 IS NULL OR set_aside_at < ?3 OR (set_aside_at = ?3 AND b.rowid < ?4))
  ORDER BY set_aside_at DESC, b.rowid DESC LIMIT ?2`;

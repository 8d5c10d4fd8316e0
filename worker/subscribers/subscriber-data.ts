import { hasPart, parseReceivedParts } from "../delivery/delivery-archive";
import { positionToday } from "../delivery/find-delivery";
import { isoOrNull } from "../lib/page";
import { reengageSql } from "../reengage/reengage-queries";
import { THEIR_CONFIRMATIONS } from "./erase-subscriber";

/** Everything held about one reader, by table: what the detail shows and the export hands over. */
export const subscriberDataSql = {
  subscriber: `SELECT id, email, name, status, timezone, created_at AS createdAt, updated_at AS updatedAt,
      confirmed_at AS confirmedAt, unsubscribed_at AS unsubscribedAt, referrer_id AS referrerId,
      suppressed_reason AS suppressedReason FROM subscribers WHERE id = ?1`,
  subscriptions: `SELECT id, series, status, next_part AS nextPart, due_at AS dueAt, last_sent_at AS lastSentAt,
      batch_id AS batchId, set_aside_reason AS setAsideReason, quiet_parts AS quietParts, signal_at AS signalAt,
      paused_until AS pausedUntil, send_hour AS sendHour,
      created_at AS createdAt, updated_at AS updatedAt
    FROM subscriptions WHERE subscriber_id = ?1 ORDER BY id`,
  /** Their "Still reading?" emails, newest first: shown with the subscription each belongs to. */
  readingChecks: reengageSql.readerChecks,
  deliveries: `SELECT id, series, part_id AS partId, part_number AS partNumber, status, to_email AS toEmail,
      to_name AS toName, created_at AS createdAt, sent_at AS sentAt, delivered_at AS deliveredAt, opened_at AS openedAt,
      human_clicked_at AS humanClickedAt, bounced_at AS bouncedAt, complained_at AS complainedAt
    FROM deliveries WHERE subscription_id IN (SELECT id FROM subscriptions WHERE subscriber_id = ?1) ORDER BY id`,
  clicks: `SELECT id, delivery_id AS deliveryId, series, part_id AS partId, link, scanner_reason AS scannerReason,
      created_at AS createdAt FROM clicks WHERE delivery_id IN
      (SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id WHERE s.subscriber_id = ?1) ORDER BY id`,
  // By reader (responses_subscriber_id_idx): responses to emails whose delivery was slimmed are theirs too.
  responses: `SELECT id, delivery_id AS deliveryId, series, part_id AS partId, body, created_at AS createdAt,
      updated_at AS updatedAt FROM responses WHERE subscriber_id = ?1 ORDER BY id`,
  consents: `SELECT id, series, form, consent_text_version AS consentTextVersion, created_at AS createdAt,
      confirmed_at AS confirmedAt, email_status AS emailStatus FROM consents WHERE subscriber_id = ?1 ORDER BY id`,
  events: `SELECT id, delivery_id AS deliveryId, type, data, created_at AS createdAt FROM events WHERE subscriber_id = ?1 ORDER BY id`,
  /** What retention kept of their older deliveries: one row per subscription (deliveries/delivery-archive.ts). */
  receivedParts: `SELECT rp.parts FROM received_parts rp JOIN subscriptions s ON s.id = rp.subscription_id
    WHERE s.subscriber_id = ?1 ORDER BY s.id`,
  /** The parts those name: part_refs has one row per part of the catalog, so this reads a small table whole. */
  partRefs: `SELECT r.id, r.series, r.part_id AS partId FROM part_refs r WHERE EXISTS (SELECT 1 FROM received_parts rp
    JOIN subscriptions s ON s.id = rp.subscription_id WHERE s.subscriber_id = ?1 AND ${hasPart("rp.parts", "r.id")})`,
} as const;

/**
/**
 * ?1 subscriber id, ?2 their address. Only the export reads these: clicks, provider events about their mail,
 * messages of the local outbox and import report rows, matched as the erasure matches them (provider events about
 * confirmation emails and outbox without an index: a rare, whole read).
 */
export const subscriberExportSql = {
  // Every click row naming them, clicks on slimmed deliveries' links included (clicks are kept for a window only).
  clicks: `SELECT id, delivery_id AS deliveryId, series, part_id AS partId, link, scanner_reason AS scannerReason,
      created_at AS createdAt FROM clicks WHERE subscriber_id = ?1 ORDER BY id`,
  webhookEvents: `SELECT id, type, delivery_id AS deliveryId, provider_message_id AS providerMessageId, received_at AS receivedAt
    FROM webhook_events
    WHERE delivery_id IN (SELECT d.id FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id WHERE s.subscriber_id = ?1)
      OR provider_message_id IN (${THEIR_CONFIRMATIONS}) ORDER BY received_at`,
  outbox: `SELECT id, subject, created_at AS createdAt FROM outbox WHERE lower("to") = lower(?2) ORDER BY created_at`,
  /** Rows of import reports that named them (by import_rows_email_idx), with when each import ran. */
  importRows: `SELECT import_rows.job_id AS jobId, import_jobs.created_at AS importedAt, row, email, outcome, message
    FROM import_rows JOIN import_jobs ON import_jobs.id = import_rows.job_id
    WHERE lower(email) = lower(?2) ORDER BY import_jobs.created_at, row`,
} as const;

type Row = Record<string, unknown>;

const TIME_FIELDS = new Set([
  "receivedAt",
  "importedAt",
  "pausedUntil",
  "createdAt",
  "updatedAt",
  "confirmedAt",
  "unsubscribedAt",
  "dueAt",
  "lastSentAt",
  "sentAt",
  "deliveredAt",
  "openedAt",
  "humanClickedAt",
  "bouncedAt",
  "complainedAt",
  "signalAt",
  "nextAt",
  "answeredAt",
]);

/** Epoch-ms columns as ISO strings, the way every admin answer writes times. */
function withIsoTimes(row: Row): Row {
  const out: Row = {};
  for (const [key, value] of Object.entries(row))
    out[key] = TIME_FIELDS.has(key) ? isoOrNull(value as number | null) : value;
  return out;
}

export interface SubscriberData {
  subscriber: Row;
  subscriptions: Row[];
  deliveries: Row[];
  clicks: Row[];
  responses: Row[];
  consents: Row[];
  events: Row[];
}

/** One D1 round trip (a batch of reads); null when there is no such subscriber. */
export async function readSubscriberData(d1: D1Database, id: number): Promise<SubscriberData | null> {
  const names = Object.keys(subscriberDataSql) as (keyof typeof subscriberDataSql)[];
  const results = await d1.batch(names.map((name) => d1.prepare(subscriberDataSql[name]).bind(id)));
  const rows = Object.fromEntries(names.map((name, i) => [name, (results[i]!.results as Row[]).map(withIsoTimes)]));
  const [subscriber] = rows.subscriber!;
  if (!subscriber) return null;
  const events = rows.events!.map((event) => ({ ...event, data: parseJson(event.data) }));
  const checksOf = (subscription: Row) =>
    rows.readingChecks!.filter((check) => check.subscriptionId === subscription.id);
  return {
    subscriber,
    subscriptions: rows.subscriptions!.map((subscription) => ({
      ...subscription,
      readingChecks: checksOf(subscription),
    })),
    deliveries: [...slimmedDeliveries(rows.receivedParts!, rows.partRefs!), ...rows.deliveries!],
    clicks: rows.clicks!,
    responses: rows.responses!,
    consents: rows.consents!,
    events,
  };
}

/** Their slimmed deliveries at the granularity kept: which part, when (the day), how far it got. Oldest first. */
function slimmedDeliveries(received: Row[], refs: Row[]): Row[] {
  const partOf = new Map(refs.map((ref) => [ref.id as number, ref as { series: string; partId: string }]));
  return received
    .flatMap((row) => parseReceivedParts(row.parts as string))
    .flatMap(({ ref, outcome, sentOn }) => {
      const part = partOf.get(ref);
      if (!part) return [];
      return [
        {
          slimmed: true,
          series: part.series,
          partId: part.partId,
          partNumber: positionToday(part.series, part.partId),
          status: "sent",
          outcome,
          sentOn,
        },
      ];
    })
    .sort((a, b) => a.sentOn.localeCompare(b.sentOn));
}

function parseJson(value: unknown): unknown {
  if (typeof value !== "string") return value ?? null;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

/** The detail plus what only an export hands over: provider webhooks about their mail, local outbox messages, import rows. */
export async function readSubscriberExport(d1: D1Database, id: number) {
  const data = await readSubscriberData(d1, id);
  if (!data) return null;
  const email = data.subscriber.email as string;
  const [clicks, webhooks, outbox, importRows] = await d1.batch([
    d1.prepare(subscriberExportSql.clicks).bind(id),
    d1.prepare(subscriberExportSql.webhookEvents).bind(id),
    d1.prepare(subscriberExportSql.outbox).bind(id, email),
    d1.prepare(subscriberExportSql.importRows).bind(id, email),
  ]);
  return {
    ...data,
    clicks: (clicks!.results as Row[]).map(withIsoTimes),
    webhookEvents: (webhooks!.results as Row[]).map(withIsoTimes),
    outbox: (outbox!.results as Row[]).map(withIsoTimes),
    importRows: (importRows!.results as Row[]).map(withIsoTimes),
  };
}

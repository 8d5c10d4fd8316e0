import type { AppDeps } from "../app-deps";
import { parseReceivedParts } from "../delivery/delivery-archive";
import { positionToday } from "../delivery/find-delivery";
import { isoOrNull } from "../lib/page";
import { subscriberDataSql, subscriberExportSql } from "./subscriber-admin-queries";

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
export async function readSubscriberData(deps: Pick<AppDeps, "db">, id: number): Promise<SubscriberData | null> {
  const { db: d1 } = deps;
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
export async function readSubscriberExport(deps: Pick<AppDeps, "db">, id: number) {
  const { db: d1 } = deps;
  const data = await readSubscriberData(deps, id);
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

/**
 * What tests read back from D1, in one vocabulary: the drizzle schema's rows (camelCase keys, the schema's
 * types). Route tests name a reader by address or id, delivery tests by the prefix of their seeded addresses.
 */
import { env } from "cloudflare:workers";
import { asc, eq, getTableColumns, like, sql } from "drizzle-orm";
import { consents, deliveries, outbox, subscribers, subscriptions } from "../../db/schema";
import { getDb } from "../../worker/db";

export type SubscriberRow = typeof subscribers.$inferSelect;
export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type ConsentRow = typeof consents.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;

const db = () => getDb(env.DB);
/** Seeded addresses start with a per-test prefix ("walk1@example.com"…). */
const startsWith = (prefix: string) => like(subscribers.emailKey, `${prefix}%`);

/** The subscriber whose unique key matches this address (keys are lower-cased). */
export async function findSubscriber(address: string): Promise<SubscriberRow | null> {
  return (await db().query.subscribers.findFirst({ where: sql`${subscribers.emailKey} = lower(${address})` })) ?? null;
}

export function subscribersMatching(address: string): Promise<SubscriberRow[]> {
  return db().query.subscribers.findMany({ where: sql`lower(${subscribers.email}) = lower(${address}) OR ${subscribers.emailKey} = lower(${address})` });
}

/** A reader's subscriptions (by subscriber id), or every seeded reader's (by address prefix), with the address. */
export function subscriptionsOf(reader: number | string): Promise<(SubscriptionRow & { email: string })[]> {
  return db()
    .select({ ...getTableColumns(subscriptions), email: subscribers.email })
    .from(subscriptions)
    .innerJoin(subscribers, eq(subscribers.id, subscriptions.subscriberId))
    .where(typeof reader === "number" ? eq(subscriptions.subscriberId, reader) : startsWith(reader))
    .orderBy(asc(subscriptions.id));
}

export function consentsOf(subscriberId: number): Promise<ConsentRow[]> {
  return db().query.consents.findMany({ where: eq(consents.subscriberId, subscriberId), orderBy: asc(consents.id) });
}

/** Deliveries to the readers of a prefix, in the order they were claimed. */
export async function deliveriesOf(prefix: string): Promise<DeliveryRow[]> {
  const rows = await db()
    .select({ delivery: deliveries })
    .from(deliveries)
    .innerJoin(subscribers, eq(subscribers.id, deliveries.subscriberId))
    .where(startsWith(prefix))
    .orderBy(asc(deliveries.id));
  return rows.map((row) => row.delivery);
}

/** Every email the local outbox mailer stored for this address (case-insensitive), oldest first. */
export function outboxFor(address: string): Promise<OutboxRow[]> {
  return db().query.outbox.findMany({ where: sql`lower(${outbox.to}) = lower(${address})`, orderBy: sql`rowid` });
}

/** Emails in the local outbox for readers of a prefix, oldest first. */
export function outboxOf(prefix: string): Promise<OutboxRow[]> {
  return db().query.outbox.findMany({ where: like(outbox.to, `${prefix}%`), orderBy: [asc(outbox.createdAt), sql`rowid`] });
}

export async function outboxCount(): Promise<number> {
  return db().$count(outbox);
}

export async function countRows(table: "subscribers" | "subscriptions" | "consents" | "outbox" | "deliveries" | "events") {
  return (await env.DB.prepare(`SELECT count(*) AS n FROM ${table}`).first<{ n: number }>())!.n;
}

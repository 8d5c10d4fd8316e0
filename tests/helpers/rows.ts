/**
 * What tests read back from D1, in one vocabulary: the drizzle schema's rows (camelCase keys, the schema's
 * types). Route tests name a reader by address or id, delivery tests by the prefix of their seeded addresses.
 */
import { env } from "cloudflare:workers";
import { and, asc, eq, getTableColumns, like, sql } from "drizzle-orm";
import {
  clicks,
  consents,
  deliveries,
  events,
  outbox,
  partStats,
  responses,
  subscribers,
  subscriptions,
} from "../../db/schema";
import { findSeries } from "../../worker/content/catalog";
import { getDb } from "./drizzle-db";

export type SubscriberRow = typeof subscribers.$inferSelect;
export type SubscriptionRow = typeof subscriptions.$inferSelect;
export type ConsentRow = typeof consents.$inferSelect;
export type DeliveryRow = typeof deliveries.$inferSelect;
export type OutboxRow = typeof outbox.$inferSelect;
export type PartStatsRow = typeof partStats.$inferSelect;

const db = () => getDb(env.DB);
/** Seeded addresses start with a per-test prefix ("walk1@example.com"…). */
const startsWith = (prefix: string) => like(subscribers.emailKey, `${prefix}%`);

/** The subscriber whose unique key matches this address (keys are lower-cased). */
export async function findSubscriber(address: string): Promise<SubscriberRow | null> {
  return (await db().query.subscribers.findFirst({ where: sql`${subscribers.emailKey} = lower(${address})` })) ?? null;
}

export function subscribersMatching(address: string): Promise<SubscriberRow[]> {
  return db().query.subscribers.findMany({
    where: sql`lower(${subscribers.email}) = lower(${address}) OR ${subscribers.emailKey} = lower(${address})`,
  });
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

/** The types of a reader's events, oldest first. */
export async function eventsOf(subscriberId: number): Promise<string[]> {
  const rows = await db()
    .select({ type: events.type })
    .from(events)
    .where(eq(events.subscriberId, subscriberId))
    .orderBy(asc(events.id));
  return rows.map((row) => row.type);
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
  return db().query.outbox.findMany({
    where: like(outbox.to, `${prefix}%`),
    orderBy: [asc(outbox.createdAt), sql`rowid`],
  });
}

export async function outboxCount(): Promise<number> {
  return db().$count(outbox);
}

/** How many rows a table holds (those matching `where`, SQL the test writes, with `args` bound to its ?N). */
export async function countRows(table: string, where = "1", ...args: unknown[]): Promise<number> {
  return (await env.DB.prepare(`SELECT count(*) AS n FROM ${table} WHERE ${where}`)
    .bind(...args)
    .first<{ n: number }>())!.n;
}

/** A reader's status by id (undefined once the row is gone). */
export async function subscriberStatus(subscriberId: number): Promise<string | undefined> {
  return (
    await env.DB.prepare("SELECT status FROM subscribers WHERE id = ?1").bind(subscriberId).first<{ status: string }>()
  )?.status;
}

/** The id of the part at position `part` (1-based) of a series: what deliveries and counters are keyed by. */
export const partIdOf = (series: string, part: number) => findSeries(series)!.parts[part - 1]!.id;

/** The clicks on one email's links, oldest first: which link, and why it looked like a machine (null: a person). */
export function clicksOf(deliveryId: number) {
  return db()
    .select({ link: clicks.link, scannerReason: clicks.scannerReason })
    .from(clicks)
    .where(eq(clicks.deliveryId, deliveryId))
    .orderBy(asc(clicks.id));
}

/** A part's reader counters (zeros when the row does not exist yet). */
export async function partStat(
  series: string,
  part: number,
): Promise<Pick<PartStatsRow, "humanClicks" | "scannerClicks" | "responses" | "referrals">> {
  const [row] = await db()
    .select({
      humanClicks: partStats.humanClicks,
      scannerClicks: partStats.scannerClicks,
      responses: partStats.responses,
      referrals: partStats.referrals,
    })
    .from(partStats)
    .where(and(eq(partStats.series, series), eq(partStats.partId, partIdOf(series, part))));
  return row ?? { humanClicks: 0, scannerClicks: 0, responses: 0, referrals: 0 };
}

export async function deliveryRow(deliveryId: number): Promise<DeliveryRow | null> {
  return (await db().query.deliveries.findFirst({ where: eq(deliveries.id, deliveryId) })) ?? null;
}

/** The response a reader wrote to one email's call to action, if any. */
export async function storedResponse(deliveryId: number) {
  return (await db().query.responses.findFirst({ where: eq(responses.deliveryId, deliveryId) })) ?? null;
}

/** Tables that hold no reader's data by design (engine state, counters of the whole list, migrations). */
const OUT_OF_SCOPE = /^(_cf_|d1_|sqlite_)/;

/** Every user table and its columns, read from the schema: a table added later is checked too. */
export async function userTables(): Promise<{ name: string; columns: string[] }[]> {
  const { results } = await env.DB.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all<{
    name: string;
  }>();
  const out = [];
  for (const { name } of results.filter((t) => !OUT_OF_SCOPE.test(t.name))) {
    const columns = await env.DB.prepare(`SELECT name FROM pragma_table_info(?1)`).bind(name).all<{ name: string }>();
    out.push({ name, columns: columns.results.map((c) => c.name) });
  }
  return out;
}

/** Rows of any table where any column holds the address (any case, anywhere in the text), as "table: count". */
export async function rowsNaming(address: string): Promise<string[]> {
  const found: string[] = [];
  for (const { name, columns } of await userTables()) {
    const where = columns.map((c) => `instr(lower(CAST("${c}" AS TEXT)), lower(?1)) > 0`).join(" OR ");
    const row = await env.DB.prepare(`SELECT count(*) AS n FROM "${name}" WHERE ${where}`)
      .bind(address)
      .first<{ n: number }>();
    if (row!.n > 0) found.push(`${name}: ${row!.n}`);
  }
  return found;
}

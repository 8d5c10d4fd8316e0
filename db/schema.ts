import { sql } from "drizzle-orm";
import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Times are Unix epoch milliseconds (integers): cheap to compare, index and compute delays on. */
const timestamp = (name: string) => integer(name);

export const subscriberStatuses = ["pending", "active", "paused", "unsubscribed", "bounced", "complained"] as const;
export type SubscriberStatus = (typeof subscriberStatuses)[number];

export const subscribers = sqliteTable(
  "subscribers",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** As the reader typed it (trimmed); mail goes here. */
    email: text("email").notNull(),
    /** Lower-cased: the unique key, so Ann@x.com and ann@x.com are one reader. */
    emailKey: text("email_key").notNull(),
    name: text("name"),
    status: text("status", { enum: subscriberStatuses }).notNull().default("pending"),
    /** IANA zone from request.cf.timezone or the form; null = the series' own zone. */
    timezone: text("timezone"),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
    confirmedAt: timestamp("confirmed_at"),
    unsubscribedAt: timestamp("unsubscribed_at"),
  },
  (t) => [
    uniqueIndex("subscribers_email_key_idx").on(t.emailKey),
    index("subscribers_status_idx").on(t.status, t.id),
  ],
);

/** Proof of consent, kept for the life of the subscription (GDPR art. 7(1), CAN-SPAM records). */
export const consents = sqliteTable(
  "consents",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    subscriberId: integer("subscriber_id").notNull().references(() => subscribers.id),
    series: text("series").notNull(),
    /** Where the consent was given: "signup-form" or "api". */
    form: text("form").notNull(),
    consentTextVersion: text("consent_text_version").notNull(),
    /** SHA-256 of IP and user agent with the signing secret: provable, not personal data at rest. */
    ipHash: text("ip_hash"),
    userAgentHash: text("user_agent_hash"),
    createdAt: timestamp("created_at").notNull(),
    confirmedAt: timestamp("confirmed_at"),
  },
  (t) => [index("consents_subscriber_id_idx").on(t.subscriberId)],
);

export const subscriptionStatuses = ["pending", "active", "paused", "stopped"] as const;
export type SubscriptionStatus = (typeof subscriptionStatuses)[number];

/** A reader's position in one series: the next unread part and when it is due. */
export const subscriptions = sqliteTable(
  "subscriptions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    subscriberId: integer("subscriber_id").notNull().references(() => subscribers.id),
    series: text("series").notNull(),
    status: text("status", { enum: subscriptionStatuses }).notNull().default("pending"),
    /** 1-based number of the next part to send; parts added later are picked up from here. */
    nextPart: integer("next_part").notNull().default(1),
    /** When the next part may go; null = nothing scheduled (caught up, or not active). */
    dueAt: timestamp("due_at"),
    /** The batch that holds this subscription's in-flight delivery; one at a time keeps parts in order. */
    batchId: text("batch_id"),
    lastSentAt: timestamp("last_sent_at"),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("subscriptions_subscriber_id_series_idx").on(t.subscriberId, t.series),
    // The delivery cycle's claim: only rows that can be sent are in this index, so an idle tick reads nothing.
    index("subscriptions_due_at_idx")
      .on(t.dueAt)
      .where(sql`status = 'active' AND batch_id IS NULL AND due_at IS NOT NULL`),
    index("subscriptions_batch_id_idx").on(t.batchId).where(sql`batch_id IS NOT NULL`),
    // Caught-up readers, woken when a series gains a part.
    index("subscriptions_series_caught_up_idx")
      .on(t.series, t.nextPart)
      .where(sql`status = 'active' AND due_at IS NULL AND batch_id IS NULL`),
  ],
);

export const batchStatuses = ["claimed", "sent", "failed"] as const;

/**
 * One provider call's worth of deliveries (≤ 100). Its id is the Idempotency-Key: a retry after a crash
 * re-sends the same members under the same key, so the provider answers with the original ids.
 */
export const batches = sqliteTable(
  "batches",
  {
    id: text("id").primaryKey(),
    status: text("status", { enum: batchStatuses }).notNull().default("claimed"),
    /** Provider calls made; members are frozen from the first one on (see delivery/send-batch.ts). */
    attempts: integer("attempts").notNull().default(0),
    /** Until then the batch belongs to whoever claimed it (a queue consumer or this cycle). */
    leaseUntil: timestamp("lease_until").notNull(),
    lastError: text("last_error"),
    createdAt: timestamp("created_at").notNull(),
    sentAt: timestamp("sent_at"),
  },
  (t) => [index("batches_lease_until_idx").on(t.leaseUntil).where(sql`status = 'claimed'`)],
);

export const deliveryStatuses = ["claimed", "sent", "cancelled", "failed"] as const;
export type DeliveryStatus = (typeof deliveryStatuses)[number];

/** One part for one reader. Unique per (subscription, part): the database itself forbids a second send. */
export const deliveries = sqliteTable(
  "deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    subscriptionId: integer("subscription_id").notNull().references(() => subscriptions.id),
    subscriberId: integer("subscriber_id").notNull().references(() => subscribers.id),
    series: text("series").notNull(),
    partNumber: integer("part_number").notNull(),
    batchId: text("batch_id").notNull(),
    status: text("status", { enum: deliveryStatuses }).notNull().default("claimed"),
    /** Snapshot of the recipient at claim time: a retried batch must be byte-identical. */
    toEmail: text("to_email").notNull(),
    toName: text("to_name"),
    timezone: text("timezone"),
    providerMessageId: text("provider_message_id"),
    createdAt: timestamp("created_at").notNull(),
    sentAt: timestamp("sent_at"),
  },
  (t) => [
    uniqueIndex("deliveries_subscription_id_part_number_idx").on(t.subscriptionId, t.partNumber),
    // Only the indexes the cycle needs: each one costs a D1 row write per email sent. (Webhooks, when they
    // come, add one on provider_message_id.)
    index("deliveries_batch_id_idx").on(t.batchId),
  ],
);

/** What happened to a reader: confirmed, unsubscribed, clicked, bounced… (webhooks and links write here). */
export const events = sqliteTable(
  "events",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    subscriberId: integer("subscriber_id").references(() => subscribers.id),
    deliveryId: integer("delivery_id").references(() => deliveries.id),
    type: text("type").notNull(),
    data: text("data", { mode: "json" }),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [
    index("events_subscriber_id_idx").on(t.subscriberId, t.createdAt),
    // Also serves the foreign-key check when a delivery row is deleted (released or put-back batches).
    index("events_delivery_id_idx").on(t.deliveryId),
    index("events_type_created_at_idx").on(t.type, t.createdAt),
  ],
);

/** Part counts as of the last cycle: when a series grows, its caught-up readers are woken once. */
export const seriesState = sqliteTable("series_state", {
  series: text("series").primaryKey(),
  partCount: integer("part_count").notNull(),
  updatedAt: timestamp("updated_at").notNull(),
});

/** The local mailer: every message it "sends", whole, so `npm start` needs no account. */
export const outbox = sqliteTable(
  "outbox",
  {
    id: text("id").primaryKey(),
    idempotencyKey: text("idempotency_key"),
    from: text("from").notNull(),
    to: text("to").notNull(),
    subject: text("subject").notNull(),
    html: text("html").notNull(),
    text: text("text").notNull(),
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>().notNull(),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [
    index("outbox_created_at_idx").on(t.createdAt),
    index("outbox_idempotency_key_idx").on(t.idempotencyKey),
  ],
);

import { sql } from "drizzle-orm";
import { blob, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";
import {
  type BatchStatus,
  type DeliveryStatus,
  type ImportJobStatus,
  type ImportOutcome,
  type ReadingCheckStatus,
  type SubscriberStatus,
  type SubscriptionStatus,
  batchStatuses,
  deliveryStatuses,
  importJobStatuses,
  importOutcomes,
  readingCheckStatuses,
  subscriberStatuses,
  subscriptionStatuses,
} from "./enums";
export {
  subscriberStatuses,
  subscriptionStatuses,
  batchStatuses,
  deliveryStatuses,
  readingCheckStatuses,
  importJobStatuses,
  importOutcomes,
};
export type {
  SubscriberStatus,
  SubscriptionStatus,
  BatchStatus,
  DeliveryStatus,
  ReadingCheckStatus,
  ImportJobStatus,
  ImportOutcome,
};

/** Times are Unix epoch milliseconds (integers): cheap to compare, index and compute delays on. */
const timestamp = (name: string) => integer(name);

export const subscribers = sqliteTable(
  "subscribers",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    /** As the reader typed it (trimmed); mail goes here. */
    email: text("email").notNull(),
    /**
     * Lower-cased: the unique key, so Ann@x.com and ann@x.com are one reader. Deliberately not the mailbox key:
     * ann+news@ and a.nn@gmail.com stay readers of their own (their filters, their unsubscribes); only the
     * confirmation budget is shared (consents.mailbox_key).
     */
    emailKey: text("email_key").notNull(),
    name: text("name"),
    status: text("status", { enum: subscriberStatuses }).notNull().default("pending"),
    /** IANA zone from request.cf.timezone or the form; null = the series' own zone. */
    timezone: text("timezone"),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
    confirmedAt: timestamp("confirmed_at"),
    unsubscribedAt: timestamp("unsubscribed_at"),
    /** Who brought this reader (their referral link in an email). */
    referrerId: integer("referrer_id"),
    /** The id of the part whose email carried it: its referral counter follows the part wherever it moves. */
    referralPartId: text("referral_part_id"),
    /** Why mail stopped for good: a permanent bounce, a complaint, or the provider's suppression list. */
    suppressedReason: text("suppressed_reason"),
  },
  (t) => [
    uniqueIndex("subscribers_email_key_idx").on(t.emailKey),
    index("subscribers_status_idx").on(t.status, t.id),
    // Retention's purge of never-confirmed signups, oldest first: only pending readers are in it.
    index("subscribers_pending_created_at_idx").on(t.createdAt).where(sql`status = 'pending'`),
  ],
);

/** Proof of consent, kept for the life of the subscription (GDPR art. 7(1), CAN-SPAM records). */
export const consents = sqliteTable(
  "consents",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    subscriberId: integer("subscriber_id")
      .notNull()
      .references(() => subscribers.id),
    series: text("series").notNull(),
    /** Where the consent was given: "signup-form", "api" or "resubscribe" (the unsubscribed page's form). */
    form: text("form").notNull(),
    consentTextVersion: text("consent_text_version").notNull(),
    /** HMAC-SHA256 of IP and user agent keyed with HASH_SECRET (lib/crypto keyedHash): provable, not personal data at rest. */
    ipHash: text("ip_hash"),
    userAgentHash: text("user_agent_hash"),
    createdAt: timestamp("created_at").notNull(),
    confirmedAt: timestamp("confirmed_at"),
    /** Its confirm link stops working then; only the newest consent of a reader and series can be confirmed. */
    expiresAt: timestamp("expires_at"),
    /** What the signup asked for, applied only when the address is proven (the confirm click). */
    pendingName: text("pending_name"),
    pendingTimezone: text("pending_timezone"),
    /** The confirmation email: queued (to send, retried by the cron from emailNextAt) or sent. */
    emailStatus: text("email_status", { enum: ["queued", "sent", "failed"] }),
    emailAttempts: integer("email_attempts").notNull().default(0),
    emailNextAt: timestamp("email_next_at"),
    emailError: text("email_error"),
    /** An imported consent: where the list owner says it was given (their CSV's consent_source), and the job. */
    source: text("source"),
    importJobId: text("import_job_id"),
    /**
     * The inbox its confirmation email goes to (subscribers/mailbox-key.ts), set when it mails one: the daily cap
     * counts per mailbox, not per spelling. Here rather than on subscribers so the count reads at most the cap's
     * few rows, however many spellings of one inbox strangers have signed up. Erased with the consent.
     */
    mailboxKey: text("mailbox_key"),
    /** The provider's id of the confirmation email: a bounce or complaint about it finds this reader (no delivery row). */
    providerMessageId: text("provider_message_id"),
  },
  (t) => [
    index("consents_subscriber_id_idx").on(t.subscriberId),
    // The daily cap's count (subscribers/subscribe.ts): only consents that mailed are in it.
    index("consents_mailbox_key_idx").on(t.mailboxKey, t.createdAt).where(sql`email_status IS NOT NULL`),
    index("consents_provider_message_id_idx").on(t.providerMessageId).where(sql`provider_message_id IS NOT NULL`),
    // The cron's retry scan: only confirmation emails still waiting are in it.
    index("consents_email_next_at_idx").on(t.emailNextAt).where(sql`email_status = 'queued'`),
  ],
);

/** A reader's position in one series: the next unread part and when it is due. */
export const subscriptions = sqliteTable(
  "subscriptions",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    subscriberId: integer("subscriber_id")
      .notNull()
      .references(() => subscribers.id),
    series: text("series").notNull(),
    status: text("status", { enum: subscriptionStatuses }).notNull().default("pending"),
    /**
     * 1-based position, in the series' current order, of the first part this reader has not received: a cache of
     * the deliveries, recomputed by the cycle when the series' order changes (series_state.part_ids).
     */
    nextPart: integer("next_part").notNull().default(1),
    /** Id of the part last sent: what an unsubscribe is counted against. */
    lastPartId: text("last_part_id"),
    /** When the next part may go; null = nothing scheduled (caught up, or not active). */
    dueAt: timestamp("due_at"),
    /** The batch that holds this subscription's in-flight delivery; one at a time keeps parts in order. */
    batchId: text("batch_id"),
    lastSentAt: timestamp("last_sent_at"),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
    /** Consecutive times the provider refused this reader's email (permissive batches); reset when one is sent. */
    refusals: integer("refusals").notNull().default(0),
    /**
     * Why delivery stopped for this reader (refused three times in a row; or paused by the series' "Still
     * reading?" rule, which a resume clears); null while it goes on.
     */
    setAsideReason: text("set_aside_reason"),
    /**
     * Parts sent since the reader's last sign of reading (a person's click, a response, the keep button, an open
     * where the series counts opens): the "Still reading?" rule's streak, kept here so no old delivery is read.
     */
    quietParts: integer("quiet_parts").notNull().default(0),
    /** When that last sign came (ms): a "Still reading?" asked before it is answered. */
    signalAt: timestamp("signal_at"),
    /** A pause the reader chose on their preference page ends then (the cycle resumes it); null = until they come back. */
    pausedUntil: timestamp("paused_until"),
    /** The reader's preferred hour of the day (0–23, their zone) for this series; null = as soon as a part is due. */
    sendHour: integer("send_hour"),
    /** When the reader last asked for the next part now: while due_at equals it, the claim does not hold it for send_hour. */
    askedAt: timestamp("asked_at"),
  },
  (t) => [
    uniqueIndex("subscriptions_subscriber_id_series_idx").on(t.subscriberId, t.series),
    // A catalog edit repositions every reader of one series (and a rename moves them): never a whole-table scan.
    index("subscriptions_series_idx").on(t.series),
    // The delivery cycle's claim: only rows that can be sent are in this index, so an idle tick reads nothing.
    index("subscriptions_due_at_idx")
      .on(t.dueAt)
      .where(sql`status = 'active' AND batch_id IS NULL AND due_at IS NOT NULL`),
    index("subscriptions_batch_id_idx").on(t.batchId).where(sql`batch_id IS NOT NULL`),
    // Caught-up readers, woken when a series gains a part.
    index("subscriptions_series_caught_up_idx")
      .on(t.series, t.nextPart)
      .where(sql`status = 'active' AND due_at IS NULL AND batch_id IS NULL`),
    // Pauses that end by themselves: the cycle's resume reads only these.
    index("subscriptions_paused_until_idx").on(t.pausedUntil).where(sql`paused_until IS NOT NULL`),
  ],
);

/**
 * failed: the provider refused it (readers retried later); failed_after_unknown: refused on a retry after an
 * unknown outcome, so it may have been delivered: kept with its key, its readers never re-claimed for that part;
 * dead: dead-lettered by the queue.
 */

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
    /** When it was set aside (failed_after_unknown, dead): what the admin API lists. */
    setAsideAt: timestamp("set_aside_at"),
  },
  (t) => [
    index("batches_lease_until_idx").on(t.leaseUntil).where(sql`status = 'claimed'`),
    // Only the batches an admin must look at: costs nothing per batch sent.
    index("batches_set_aside_idx").on(t.status, t.setAsideAt).where(sql`set_aside_at IS NOT NULL`),
    // Retention slims deliveries batch by batch, oldest first (one index entry per 100 emails).
    index("batches_sent_at_idx").on(t.sentAt).where(sql`status = 'sent'`),
  ],
);

/**
 * The provider's rate limit is per team, shared by every invocation: one row per provider holds the next free
 * send slot (GCRA); every provider call takes a slot with one conditional UPDATE before it is made.
 */
export const providerSlots = sqliteTable("provider_slots", {
  provider: text("provider").primaryKey(),
  nextSlotAt: timestamp("next_slot_at").notNull(),
});

/** One part for one reader. Unique per (subscription, part id): the database itself forbids a second send. */
export const deliveries = sqliteTable(
  "deliveries",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    subscriptionId: integer("subscription_id")
      .notNull()
      .references(() => subscriptions.id),
    subscriberId: integer("subscriber_id")
      .notNull()
      .references(() => subscribers.id),
    series: text("series").notNull(),
    /** The part's id, snapshotted at claim: what this reader received, whatever its position later. */
    partId: text("part_id").notNull().default(""),
    /** Its position when it was claimed (informational). */
    partNumber: integer("part_number").notNull(),
    batchId: text("batch_id").notNull(),
    status: text("status", { enum: deliveryStatuses }).notNull().default("claimed"),
    /** Snapshot of the recipient at claim time: a retried batch must be byte-identical. */
    toEmail: text("to_email").notNull(),
    toName: text("to_name"),
    timezone: text("timezone"),
    /** The hour the claim holds this email for (the reader's send_hour), null when it goes as soon as it is due. */
    sendHour: integer("send_hour"),
    providerMessageId: text("provider_message_id"),
    createdAt: timestamp("created_at").notNull(),
    sentAt: timestamp("sent_at"),
    /** First time each thing happened (webhooks and action links): a funnel counts each delivery once. */
    deliveredAt: timestamp("delivered_at"),
    openedAt: timestamp("opened_at"),
    humanClickedAt: timestamp("human_clicked_at"),
    scannerClickedAt: timestamp("scanner_clicked_at"),
    /**
     * The clicks kept for this email, as the click consumer decides bursts and duplicates from them (JSON
     * [[at, link, human 0/1, click id], …], at most MAX_CLICKS_PER_DELIVERY): worker/actions/click-marks.ts.
     */
    clickMarks: text("click_marks"),
    bouncedAt: timestamp("bounced_at"),
    complainedAt: timestamp("complained_at"),
    /** The provider's first email.delivery_delayed and email.failed events: the guards of those counters. */
    delayedAt: timestamp("delayed_at"),
    failedAt: timestamp("failed_at"),
  },
  (t) => [
    uniqueIndex("deliveries_subscription_id_part_id_idx").on(t.subscriptionId, t.partId),
    // Every index on this table costs a D1 row write per email sent: only what the cycle and webhooks need.
    index("deliveries_batch_id_idx").on(t.batchId),
    // Webhooks find their delivery by the provider's message id.
    index("deliveries_provider_message_id_idx").on(t.providerMessageId).where(sql`provider_message_id IS NOT NULL`),
    // The admin list (GET /admin/api/deliveries?series=&part=): one index entry per email sent, never updated.
    index("deliveries_series_part_id_idx").on(t.series, t.partId),
    // The complaint guard's window; holds complained rows only, so it costs nothing per email sent.
    index("deliveries_series_complained_idx").on(t.series).where(sql`complained_at IS NOT NULL`),
    // The foreign key's check when a reader is deleted (erasure, retention's purge): without it, each scans the table.
    index("deliveries_subscriber_id_idx").on(t.subscriberId),
  ],
);

/**
 * The compact form of deliveries once retention slims them (worker/retention, docs/retention.md). A part as the
 * archive names it: a small number for (series, part id), so an archived email costs a few bytes, not a text key.
 */
export const partRefs = sqliteTable(
  "part_refs",
  {
    id: integer("id").primaryKey(),
    series: text("series").notNull(),
    partId: text("part_id").notNull(),
  },
  // By part id first: "has this reader received part X" matches any series, as deliveries' own unique key does.
  (t) => [uniqueIndex("part_refs_part_id_series_idx").on(t.partId, t.series)],
);

/**
 * Which parts a subscription received before the live window, forever: the exactly-once guard and the catalog
 * edits' input beside `deliveries`. `parts` is a list of ",<part ref><outcome><day>" entries, e.g. ",112d20460"
 * (outcome: s sent, d delivered, o opened, c clicked, b bounced, x complained; day: days since 1970, UTC).
 */
export const receivedParts = sqliteTable("received_parts", {
  subscriptionId: integer("subscription_id")
    .primaryKey()
    .references(() => subscriptions.id),
  parts: text("parts").notNull(),
});

/**
 * Slimmed deliveries, by id: one row per run of consecutive delivery ids of one batch and part. Delivery
 * `first_id + k` went to the subscription whose id is the k-th 4 bytes (big-endian) of `subscription_ids`: old
 * links still find their reader, at 4 bytes an email.
 */
export const deliveryArchive = sqliteTable(
  "delivery_archive",
  {
    firstId: integer("first_id").primaryKey(),
    partRef: integer("part_ref").notNull(),
    /** When the batch was recorded as sent. */
    sentAt: timestamp("sent_at").notNull(),
    subscriptionIds: blob("subscription_ids", { mode: "buffer" }).notNull(),
  },
  // The admin's list of one part's deliveries, newest first (one entry per run, ~100 emails).
  (t) => [index("delivery_archive_part_ref_idx").on(t.partRef)],
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
  /** The ordered part ids (JSON) as of the last cycle: a different order repositions the series' readers. */
  partIds: text("part_ids"),
  updatedAt: timestamp("updated_at").notNull(),
  /** Set by the complaint guard (or the admin): the series sends nothing until resumed. */
  pausedAt: timestamp("paused_at"),
  pauseReason: text("pause_reason"),
});

/**
 * The funnel of every part, kept as counters so the stats read one row per part whatever the list size.
 * Each delivery counts at most once per column (its *_at column in deliveries is the guard).
 */
export const partStats = sqliteTable(
  "part_stats",
  {
    series: text("series").notNull(),
    /** Keyed by the part's id, so a part's funnel follows it when parts are inserted or reordered. */
    partId: text("part_id").notNull(),
    sent: integer("sent").notNull().default(0),
    delivered: integer("delivered").notNull().default(0),
    delayed: integer("delayed").notNull().default(0),
    opened: integer("opened").notNull().default(0),
    humanClicks: integer("human_clicks").notNull().default(0),
    scannerClicks: integer("scanner_clicks").notNull().default(0),
    responses: integer("responses").notNull().default(0),
    /** Readers who left within 7 days of receiving this part. */
    unsubscribes: integer("unsubscribes").notNull().default(0),
    bounces: integer("bounces").notNull().default(0),
    complaints: integer("complaints").notNull().default(0),
    failed: integer("failed").notNull().default(0),
    /** Confirmed signups through a referral link in this part's email. */
    referrals: integer("referrals").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.series, t.partId] })],
);

/**
 * The list's growth: counters per series and UTC day ("2026-12-01"), each upserted in the same batch as the
 * change it counts (worker/stats/growth-counters.ts): a 90-day chart reads one row a series and day, whatever the
 * list's size.
 */
export const seriesDays = sqliteTable(
  "series_days",
  {
    series: text("series").notNull(),
    day: text("day").notNull(),
    /** Readers who asked for the series (a confirmation email), not counting a repeat while one still waits. */
    signups: integer("signups").notNull().default(0),
    /** Readers who joined: a confirm click, or an import with stated consent. */
    confirmations: integer("confirmations").notNull().default(0),
    /** Readers who left by their own unsubscribe, counted in each series they were reading. */
    unsubscribes: integer("unsubscribes").notNull().default(0),
    /** The "Still reading?" rule (worker/reengage/): emails sent, keep buttons pressed, readers paused unanswered. */
    reengageAsked: integer("reengage_asked").notNull().default(0),
    reengageKept: integer("reengage_kept").notNull().default(0),
    reengagePaused: integer("reengage_paused").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.series, t.day] })],
);

/**
 * A "Still reading?" email to one reader of one series, one per streak of quiet parts (worker/reengage/): queued at
 * record time, sent by the cron under its own idempotency key, then answered (kept: the button; read: a sign of
 * reading came) or, at its deadline, paused. No address here: it is read from subscribers when the email goes.
 */
export const readingChecks = sqliteTable(
  "reading_checks",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    subscriptionId: integer("subscription_id").notNull(),
    subscriberId: integer("subscriber_id").notNull(),
    series: text("series").notNull(),
    /** The email whose part completed the streak: its reader token carries this email's unsubscribe link. */
    deliveryId: integer("delivery_id").notNull(),
    /** The streak that asked (the series' afterParts then). */
    quietParts: integer("quiet_parts").notNull(),
    /** queued and sent are open (one per subscription); closed: the subscription ended or paused otherwise first. */
    status: text("status", { enum: readingCheckStatuses }).notNull().default("queued"),
    /** Provider calls made; the first one's time bounds the idempotency key's 24 hours. */
    attempts: integer("attempts").notNull().default(0),
    firstTriedAt: timestamp("first_tried_at"),
    /** queued: when the cron may (re)try the email; sent: the deadline, when an unanswered check pauses. */
    nextAt: timestamp("next_at"),
    error: text("error"),
    providerMessageId: text("provider_message_id"),
    createdAt: timestamp("created_at").notNull(),
    sentAt: timestamp("sent_at"),
    answeredAt: timestamp("answered_at"),
  },
  (t) => [
    // The database itself forbids a second open check for one subscription.
    uniqueIndex("reading_checks_open_idx").on(t.subscriptionId).where(sql`status IN ('queued', 'sent')`),
    // The cron's two steps (emails to send, deadlines passed): only open checks are in it.
    index("reading_checks_next_at_idx").on(t.status, t.nextAt).where(sql`status IN ('queued', 'sent')`),
    // A reader's page, export and erasure.
    index("reading_checks_subscriber_id_idx").on(t.subscriberId),
    // A bounce or complaint about this email finds its reader (as consents' does for confirmations).
    index("reading_checks_provider_message_id_idx").on(t.providerMessageId).where(sql`provider_message_id IS NOT NULL`),
  ],
);

/** Every action link followed: kept whole; scanners are flagged, never dropped. */
export const clicks = sqliteTable(
  "clicks",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    deliveryId: integer("delivery_id").notNull(),
    subscriberId: integer("subscriber_id").notNull(),
    series: text("series").notNull(),
    partNumber: integer("part_number").notNull(),
    partId: text("part_id").notNull().default(""),
    /** Which link of the email: 0 = the call to action, 1… = links in the body, in order. */
    link: integer("link").notNull(),
    /** Why we think a machine followed it ("head", "user-agent", "too-soon", "burst"); null = a person. */
    scannerReason: text("scanner_reason"),
    createdAt: timestamp("created_at").notNull(),
  },
  (t) => [
    index("clicks_delivery_id_idx").on(t.deliveryId, t.createdAt),
    // Retention deletes clicks oldest first once their delivery is slimmed (its outcome says if a person clicked).
    index("clicks_created_at_idx").on(t.createdAt),
  ],
);

/** A reader's answer to a part's call to action; one per reader and part, editable. */
export const responses = sqliteTable(
  "responses",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    deliveryId: integer("delivery_id").notNull(),
    subscriberId: integer("subscriber_id").notNull(),
    series: text("series").notNull(),
    partNumber: integer("part_number").notNull(),
    partId: text("part_id").notNull().default(""),
    body: text("body").notNull(),
    createdAt: timestamp("created_at").notNull(),
    updatedAt: timestamp("updated_at").notNull(),
  },
  (t) => [
    uniqueIndex("responses_delivery_id_idx").on(t.deliveryId),
    // Listing a part's responses: by its id, so they follow the part when it moves.
    index("responses_series_part_id_updated_idx").on(t.series, t.partId, t.updatedAt),
    index("responses_updated_at_idx").on(t.updatedAt),
    // A reader's responses, also to emails whose delivery was slimmed (their export and erasure).
    index("responses_subscriber_id_idx").on(t.subscriberId),
  ],
);

/**
 * Provider events recorded (verified), keyed by svix-id so a redelivery is handled once. No payload: nothing
 * here names a person (the counters' guards are the deliveries' own columns, so old rows may be deleted).
 */
export const webhookEvents = sqliteTable(
  "webhook_events",
  {
    id: text("id").primaryKey(),
    type: text("type").notNull(),
    providerMessageId: text("provider_message_id"),
    /** The delivery it matched, if any. */
    deliveryId: integer("delivery_id"),
    receivedAt: timestamp("received_at").notNull(),
  },
  (t) => [
    index("webhook_events_received_at_idx").on(t.receivedAt),
    // A reader's export and erasure find the events about their deliveries; only matched events are in it.
    index("webhook_events_delivery_id_type_idx").on(t.deliveryId, t.type).where(sql`delivery_id IS NOT NULL`),
  ],
);

/**
 * Provider events the feedback queue gave up on (nextpart-feedback-dlq), listed by GET /admin/api/feedback/dead.
 * The same fields as the queue message: ids and times, never an address.
 */
export const feedbackDeadLetters = sqliteTable(
  "feedback_dead_letters",
  {
    /** The queue's message id: a dead letter delivered twice is recorded once. */
    id: text("id").primaryKey(),
    svixId: text("svix_id"),
    type: text("type"),
    providerMessageId: text("provider_message_id"),
    receivedAt: timestamp("received_at"),
    deadAt: timestamp("dead_at").notNull(),
  },
  (t) => [index("feedback_dead_letters_dead_at_idx").on(t.deadAt)],
);

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
  (t) => [index("outbox_created_at_idx").on(t.createdAt), index("outbox_idempotency_key_idx").on(t.idempotencyKey)],
);

/**
 * Addresses that must never be re-added by an import: an erased person leaves only this keyed hash
 * (HMAC-SHA-256 of the lower-cased address with HASH_SECRET), never the address itself.
 */
export const suppressions = sqliteTable("suppressions", {
  emailHash: text("email_hash").primaryKey(),
  /** "erased" (a GDPR erasure); room for other reasons later. */
  reason: text("reason", { enum: ["erased"] }).notNull(),
  createdAt: timestamp("created_at").notNull(),
});

/**
 * Admin POSTs answered under an Idempotency-Key (24 h): the request's hash, then its answer. A row without
 * a status is a request still running; its lease lets a crashed one be retried.
 */
export const idempotencyKeys = sqliteTable(
  "idempotency_keys",
  {
    key: text("key").primaryKey(),
    /** SHA-256 of method, path and body: the same key with another request is refused. */
    requestHash: text("request_hash").notNull(),
    status: integer("status"),
    body: text("body"),
    contentType: text("content_type"),
    createdAt: timestamp("created_at").notNull(),
    leaseUntil: timestamp("lease_until").notNull(),
  },
  (t) => [index("idempotency_keys_created_at_idx").on(t.createdAt)],
);

/** Fixed-window counters shared by every isolate (e.g. test sends per minute, for the whole team). */
export const rateCounters = sqliteTable(
  "rate_counters",
  {
    name: text("name").primaryKey(),
    windowStart: timestamp("window_start").notNull(),
    count: integer("count").notNull(),
  },
  // Retention deletes the counters whose window ended long ago, oldest first.
  (t) => [index("rate_counters_window_start_idx").on(t.windowStart)],
);

/**
 * "Sign out everywhere": a session cookie carries the epoch it was issued in, and is refused once the row's
 * epoch has moved on. One row ("dashboard"); no row is epoch 0.
 */
export const sessionEpochs = sqliteTable("session_epochs", {
  name: text("name").primaryKey(),
  epoch: integer("epoch").notNull(),
  changedAt: timestamp("changed_at").notNull(),
});

/** A CSV import of subscribers: parsed by the request, its chunks processed by the import queue's consumer. */
export const importJobs = sqliteTable(
  "import_jobs",
  {
    id: text("id").primaryKey(),
    status: text("status", { enum: importJobStatuses }).notNull().default("queued"),
    /** Data rows in the file, and how many of them the processed chunks have decided. */
    total: integer("total").notNull(),
    processed: integer("processed").notNull().default(0),
    active: integer("active").notNull().default(0),
    pending: integer("pending").notNull().default(0),
    /** Duplicates, suppressed and invalid rows. */
    skipped: integer("skipped").notNull().default(0),
    chunks: integer("chunks").notNull(),
    chunksDone: integer("chunks_done").notNull().default(0),
    /** The request's Idempotency-Key: the same key and file answer the same job; another file under it, 409. */
    idempotencyKey: text("idempotency_key"),
    /** SHA-256 of the CSV, compared when the key comes again. */
    requestHash: text("request_hash"),
    error: text("error"),
    createdAt: timestamp("created_at").notNull(),
    finishedAt: timestamp("finished_at"),
  },
  (t) => [
    uniqueIndex("import_jobs_idempotency_key_idx").on(t.idempotencyKey),
    // Retention trims finished imports' reports, oldest first.
    index("import_jobs_finished_at_idx").on(t.finishedAt).where(sql`finished_at IS NOT NULL`),
  ],
);

/** A chunk processed once: its writes are guarded by this row's token (a redelivered chunk changes nothing). */
export const importChunks = sqliteTable(
  "import_chunks",
  {
    jobId: text("job_id").notNull(),
    chunk: integer("chunk").notNull(),
    token: text("token").notNull(),
    doneAt: timestamp("done_at").notNull(),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.chunk] })],
);

/** The per-row report of an import: what became of each data row (1-based, the header is row 0). */
export const importRows = sqliteTable(
  "import_rows",
  {
    jobId: text("job_id").notNull(),
    row: integer("row").notNull(),
    email: text("email").notNull(),
    outcome: text("outcome", { enum: importOutcomes }).notNull(),
    message: text("message"),
  },
  (t) => [
    primaryKey({ columns: [t.jobId, t.row] }),
    // The report filtered by outcome, in row order.
    index("import_rows_job_id_outcome_idx").on(t.jobId, t.outcome, t.row),
    // An erasure and an access export find the rows naming a person by address, in any case (as emailKey does).
    index("import_rows_email_idx").on(sql`lower(${t.email})`),
  ],
);

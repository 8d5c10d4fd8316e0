import { readdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";

/**
 * The local D1 of a `--persist-to` folder is one SQLite file (TOOLCHAIN.md "Measuring"): the scale bench seeds
 * it directly (millions of rows in seconds, where `wrangler d1 execute` takes minutes) and reads dbstat from it.
 */
export function localD1File(persistTo: string): string {
  const dir = path.join(persistTo, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite");
  if (!file) throw new Error(`no local D1 file in ${dir}: were the migrations applied?`);
  return path.join(dir, file);
}

export interface HistoryShape {
  readers: number;
  series: string;
  /** The series' part ids in order; readers received all but the last. */
  partIds: string[];
  now: number;
}

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

/** Columns a table has today: the bench writes only those, so it follows the schema as it changes. */
function columnsOf(db: DatabaseSync, table: string): Set<string> {
  return new Set(
    (db.prepare(`SELECT name FROM pragma_table_info(?)`).all(table) as { name: string }[]).map((row) => row.name),
  );
}

/** An INSERT of the given values, keeping only the columns the table has. */
function inserter(db: DatabaseSync, table: string, wanted: string[]) {
  const have = columnsOf(db, table);
  const cols = wanted.filter((c) => have.has(c));
  const statement = db.prepare(
    `INSERT INTO ${table} (${cols.map((c) => `"${c}"`).join(", ")}) VALUES (${cols.map(() => "?").join(", ")})`,
  );
  return (row: Record<string, string | number | null>) => statement.run(...cols.map((c) => row[c] ?? null));
}

/**
 * `readers` confirmed readers who each received every part but the last, one a week, each email delivered; a
 * share opened and clicked, with their webhook events and clicks as the Worker recorded them before any
 * retention: the history a list has after months. Their next part is due now, and part_stats match the rows.
 */
export function seedHistory(file: string, shape: HistoryShape) {
  const db = new DatabaseSync(file);
  const { readers, series, partIds, now } = shape;
  const received = partIds.slice(0, -1);
  const subscriber = inserter(db, "subscribers", [
    "id",
    "email",
    "email_key",
    "mailbox_key",
    "name",
    "status",
    "created_at",
    "updated_at",
    "confirmed_at",
  ]);
  const consent = inserter(db, "consents", [
    "subscriber_id",
    "series",
    "form",
    "consent_text_version",
    "ip_hash",
    "user_agent_hash",
    "created_at",
    "confirmed_at",
  ]);
  const subscription = inserter(db, "subscriptions", [
    "id",
    "subscriber_id",
    "series",
    "status",
    "next_part",
    "last_part_id",
    "due_at",
    "last_sent_at",
    "created_at",
    "updated_at",
  ]);
  const delivery = inserter(db, "deliveries", [
    "id",
    "subscription_id",
    "subscriber_id",
    "series",
    "part_id",
    "part_number",
    "batch_id",
    "status",
    "to_email",
    "to_name",
    "provider_message_id",
    "created_at",
    "sent_at",
    "delivered_at",
    "opened_at",
    "human_clicked_at",
  ]);
  const batch = inserter(db, "batches", ["id", "status", "attempts", "lease_until", "created_at", "sent_at"]);
  const click = inserter(db, "clicks", [
    "delivery_id",
    "subscriber_id",
    "series",
    "part_number",
    "part_id",
    "link",
    "scanner_reason",
    "created_at",
  ]);
  const webhookEvent = inserter(db, "webhook_events", [
    "id",
    "type",
    "provider_message_id",
    "delivery_id",
    "received_at",
  ]);
  const stats = inserter(db, "part_stats", ["series", "part_id", "sent", "delivered", "opened", "human_clicks"]);
  const state = inserter(db, "series_state", ["series", "part_count", "part_ids", "updated_at"]);

  const start = now - (received.length + 1) * WEEK_MS;
  const opened = (reader: number, part: number) => (reader + part) % 3 === 0;
  const clicked = (reader: number, part: number) => (reader + part) % 10 === 0;
  db.exec("BEGIN");
  let deliveryId = 0;
  for (let r = 1; r <= readers; r++) {
    const email = `reader${r}@scale.example`;
    subscriber({
      id: r,
      email,
      email_key: email,
      mailbox_key: email,
      name: `Reader ${r}`,
      status: "active",
      created_at: start,
      updated_at: start,
      confirmed_at: start,
    });
    consent({
      subscriber_id: r,
      series,
      form: "signup-form",
      consent_text_version: "bench",
      ip_hash: "x".repeat(43),
      user_agent_hash: "y".repeat(43),
      created_at: start,
      confirmed_at: start,
    });
    subscription({
      id: r,
      subscriber_id: r,
      series,
      status: "active",
      next_part: partIds.length,
      last_part_id: received.at(-1)!,
      due_at: now - 60_000 - r,
      last_sent_at: now - WEEK_MS,
      created_at: start,
      updated_at: now - WEEK_MS,
    });
  }
  // Part by part, as the cycle claims them: a batch's 100 deliveries get consecutive ids.
  received.forEach((partId, p) => {
    for (let r = 1; r <= readers; r++) {
      const email = `reader${r}@scale.example`;
      deliveryId += 1;
      const sentAt = start + (p + 1) * WEEK_MS + r;
      const messageId = `hist-${p + 1}-${r}`;
      delivery({
        id: deliveryId,
        subscription_id: r,
        subscriber_id: r,
        series,
        part_id: partId,
        part_number: p + 1,
        batch_id: `hist-${p + 1}-${Math.ceil(r / 100)}`,
        status: "sent",
        to_email: email,
        to_name: `Reader ${r}`,
        provider_message_id: messageId,
        created_at: sentAt,
        sent_at: sentAt,
        delivered_at: sentAt + 60_000,
        opened_at: opened(r, p) ? sentAt + 3_600_000 : null,
        human_clicked_at: clicked(r, p) ? sentAt + 3_700_000 : null,
      });
      const payload = (type: string) =>
        JSON.stringify({
          type,
          created_at: new Date(sentAt).toISOString(),
          data: { email_id: messageId, to: [email], from: "bench@scale.example", subject: `Part ${p + 1}` },
        });
      webhookEvent({
        id: `msg_hist_${deliveryId}_s`,
        type: "email.sent",
        provider_message_id: messageId,
        delivery_id: deliveryId,
        payload: payload("email.sent"),
        received_at: sentAt + 1_000,
      });
      webhookEvent({
        id: `msg_hist_${deliveryId}_d`,
        type: "email.delivered",
        provider_message_id: messageId,
        delivery_id: deliveryId,
        payload: payload("email.delivered"),
        received_at: sentAt + 60_000,
      });
      if (opened(r, p))
        webhookEvent({
          id: `msg_hist_${deliveryId}_o`,
          type: "email.opened",
          provider_message_id: messageId,
          delivery_id: deliveryId,
          payload: payload("email.opened"),
          received_at: sentAt + 3_600_000,
        });
      if (clicked(r, p))
        click({
          delivery_id: deliveryId,
          subscriber_id: r,
          series,
          part_number: p + 1,
          part_id: partId,
          link: 0,
          scanner_reason: null,
          created_at: sentAt + 3_700_000,
        });
    }
  });
  received.forEach((partId, p) => {
    for (let b = 1; b <= Math.ceil(readers / 100); b++) {
      const sentAt = start + (p + 1) * WEEK_MS;
      batch({
        id: `hist-${p + 1}-${b}`,
        status: "sent",
        attempts: 1,
        lease_until: sentAt,
        created_at: sentAt,
        sent_at: sentAt,
      });
    }
    let openedCount = 0;
    let clickedCount = 0;
    for (let r = 1; r <= readers; r++) {
      if (opened(r, p)) openedCount++;
      if (clicked(r, p)) clickedCount++;
    }
    stats({
      series,
      part_id: partId,
      sent: readers,
      delivered: readers,
      opened: openedCount,
      human_clicks: clickedCount,
    });
  });
  state({ series, part_count: partIds.length, part_ids: JSON.stringify(partIds), updated_at: now });
  db.exec("COMMIT");
  db.close();
  return { deliveries: deliveryId };
}

export interface TableBytes {
  name: string;
  table: string;
  bytes: number;
}

/** Bytes per table and index (SQLite's dbstat), each index under its table's name too. */
export function tableBytes(file: string): TableBytes[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db
      .prepare(`SELECT d.name AS name, coalesce(m.tbl_name, d.name) AS "table", sum(d.pgsize) AS bytes
        FROM dbstat d LEFT JOIN sqlite_master m ON m.name = d.name GROUP BY d.name ORDER BY bytes DESC`)
      .all() as unknown as TableBytes[];
  } finally {
    db.close();
  }
}

/** Read-only queries against the local file while the Worker runs (SQLite allows a reader beside the writer). */
export function readLocal<T>(file: string, sql: string, ...params: (string | number)[]): T[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db.prepare(sql).all(...params) as T[];
  } finally {
    db.close();
  }
}

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";

/**
 * 0012_feedback_queue on a database with provider events recorded the old way: the delayed and failed counters
 * were guarded by webhook_events rows, whose payloads named the recipient. After it, the guards are on the
 * deliveries (a delayed event arriving again counts nothing) and no payload is left.
 */
const root = path.resolve(import.meta.dirname, "../..");
const migrations = readdirSync(path.join(root, "db/migrations"))
  .filter((f) => f.endsWith(".sql"))
  .sort();
const apply = (db: DatabaseSync, file: string) => db.exec(readFileSync(path.join(root, "db/migrations", file), "utf8"));

describe("migration 0012_feedback_queue", () => {
  it("moves the delayed and failed guards onto the deliveries and drops the payloads", () => {
    const db = new DatabaseSync(":memory:");
    for (const file of migrations.filter((f) => f < "0012")) apply(db, file);
    db.exec(`
      INSERT INTO subscribers (id, email, email_key, status, created_at, updated_at) VALUES (1, 'a@example.com', 'a@example.com', 'active', 0, 0);
      INSERT INTO subscriptions (id, subscriber_id, series, status, next_part, created_at, updated_at) VALUES (1, 1, 's', 'active', 3, 0, 0);
      INSERT INTO deliveries (id, subscription_id, subscriber_id, series, part_id, part_number, batch_id, status, to_email, provider_message_id, created_at) VALUES
        (1, 1, 1, 's', 'p1', 1, 'b1', 'sent', 'a@example.com', 'm1', 0), (2, 1, 1, 's', 'p2', 2, 'b2', 'sent', 'a@example.com', 'm2', 0);
      INSERT INTO webhook_events (id, type, provider_message_id, delivery_id, payload, received_at) VALUES
        ('w1', 'email.delivery_delayed', 'm1', 1, '{"data":{"to":["a@example.com"]}}', 50),
        ('w2', 'email.delivery_delayed', 'm1', 1, '{"data":{"to":["a@example.com"]}}', 40),
        ('w3', 'email.failed', 'm2', 2, '{"data":{"to":["a@example.com"]}}', 70),
        ('w4', 'email.delivered', 'other', NULL, '{"data":{"to":["stranger@example.com"]}}', 80);
    `);
    for (const file of migrations.filter((f) => f >= "0012")) apply(db, file);

    expect(
      db.prepare("SELECT id, delayed_at AS delayed, failed_at AS failed FROM deliveries ORDER BY id").all(),
    ).toEqual([
      { id: 1, delayed: 40, failed: null },
      { id: 2, delayed: null, failed: 70 },
    ]);
    expect(
      db
        .prepare("SELECT name FROM pragma_table_info('webhook_events') ORDER BY cid")
        .all()
        .map((c) => c.name),
    ).toEqual(["id", "type", "provider_message_id", "delivery_id", "received_at"]);
    expect(db.prepare("SELECT count(*) AS n FROM webhook_events").get()).toEqual({ n: 4 });
    expect(
      db.prepare("SELECT name FROM pragma_table_info('consents') WHERE name = 'provider_message_id'").all(),
    ).toHaveLength(1);
  });
});

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";

/**
 * 0004_catalog_identity on a database that already has readers, deliveries and counters (what production has
 * when it is applied): every row gets the id of the part it was about, and a reader who already has part 1 is
 * never sent it again (the unique index is on the part id now). SQLite in Node, the migration files as they are.
 */
const root = path.resolve(import.meta.dirname, "../..");
const migrations = readdirSync(path.join(root, "db/migrations")).filter((f) => f.endsWith(".sql")).sort();
const apply = (db: DatabaseSync, file: string) => db.exec(readFileSync(path.join(root, "db/migrations", file), "utf8"));

describe("migration 0004_catalog_identity", () => {
  it("backfills part ids from positions and keeps the database's one-send-per-part guarantee", () => {
    const db = new DatabaseSync(":memory:");
    const before = migrations.filter((f) => f < "0004");
    for (const file of before) apply(db, file);
    db.exec(`
      INSERT INTO subscribers (id, email, email_key, status, created_at, updated_at, referrer_id, referral_part) VALUES
        (1, 'a@example.com', 'a@example.com', 'active', 0, 0, NULL, NULL), (2, 'b@example.com', 'b@example.com', 'active', 0, 0, 1, 1);
      INSERT INTO subscriptions (id, subscriber_id, series, status, next_part, created_at, updated_at) VALUES
        (1, 1, 'origins-of-lead-change', 'active', 2, 0, 0), (2, 2, 'origins-of-lead-change', 'active', 1, 0, 0);
      INSERT INTO deliveries (subscription_id, subscriber_id, series, part_number, batch_id, status, to_email, created_at)
        VALUES (1, 1, 'origins-of-lead-change', 1, 'b1', 'sent', 'a@example.com', 0);
      INSERT INTO part_stats (series, part_number, sent) VALUES ('origins-of-lead-change', 1, 1);
    `);
    for (const file of migrations.filter((f) => f >= "0004")) apply(db, file);

    expect(db.prepare("SELECT part_id AS id FROM deliveries").all()).toEqual([{ id: "the-opportunity" }]);
    expect(db.prepare("SELECT series, part_id AS id, sent FROM part_stats").all()).toEqual([
      { series: "origins-of-lead-change", id: "the-opportunity", sent: 1 },
    ]);
    expect(db.prepare("SELECT id, last_part_id AS last FROM subscriptions ORDER BY id").all()).toEqual([
      { id: 1, last: "the-opportunity" },
      { id: 2, last: null },
    ]);
    expect(db.prepare("SELECT referral_part_id AS id FROM subscribers WHERE id = 2").get()).toEqual({ id: "the-opportunity" });
    expect(() =>
      db.exec(`INSERT INTO deliveries (subscription_id, subscriber_id, series, part_id, part_number, batch_id, status, to_email, created_at)
        VALUES (1, 1, 'origins-of-lead-change', 'the-opportunity', 1, 'b2', 'claimed', 'a@example.com', 1)`),
    ).toThrow(/UNIQUE constraint failed: deliveries.subscription_id, deliveries.part_id/);
  });
});

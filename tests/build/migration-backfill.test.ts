import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { describe, expect, it } from "vitest";
import { mailboxKey } from "../../worker/subscribers/mailbox-key";

/**
 * 0004_catalog_identity on a database that already has readers, deliveries and counters (what production has
 * when it is applied): every row gets the id of the part it was about, and a reader who already has part 1 is
 * never sent it again (the unique index is on the part id now). SQLite in Node, the migration files as they are.
 */
const root = path.resolve(import.meta.dirname, "../..");
const migrations = readdirSync(path.join(root, "db/migrations"))
  .filter((f) => f.endsWith(".sql"))
  .sort();
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
    expect(db.prepare("SELECT referral_part_id AS id FROM subscribers WHERE id = 2").get()).toEqual({
      id: "the-opportunity",
    });
    expect(() =>
      db.exec(`INSERT INTO deliveries (subscription_id, subscriber_id, series, part_id, part_number, batch_id, status, to_email, created_at)
        VALUES (1, 1, 'origins-of-lead-change', 'the-opportunity', 1, 'b2', 'claimed', 'a@example.com', 1)`),
    ).toThrow(/UNIQUE constraint failed: deliveries.subscription_id, deliveries.part_id/);
  });
});

describe("migration 0010_mailbox_key", () => {
  it("backfills each mailing consent with the key mailboxKey() gives its reader's address", () => {
    const db = new DatabaseSync(":memory:");
    for (const file of migrations.filter((f) => f < "0010")) apply(db, file);
    const addresses = [
      "Victim@Gmail.com",
      "v.i.c.t.i.m@gmail.com",
      "victim+n1@gmail.com",
      "V.ictim+a.b@googlemail.com",
      "ann.lee+news@Example.org",
      "ann.lee@example.org",
      "+only-tag@example.org",
      "o'brien@xn--bcher-kva.de",
    ];
    const insert = db.prepare(
      "INSERT INTO subscribers (id, email, email_key, status, created_at, updated_at) VALUES (?, ?, lower(?), 'pending', 0, 0)",
    );
    for (const [i, address] of addresses.entries()) insert.run(i + 1, address, address);
    const consent = db.prepare(
      "INSERT INTO consents (subscriber_id, series, form, consent_text_version, created_at, email_status) VALUES (?, 's', 'api', 'v', 0, ?)",
    );
    for (const i of addresses.keys()) consent.run(i + 1, "sent");
    consent.run(1, null); // an imported consent with stated consent mailed nothing: no key
    for (const file of migrations.filter((f) => f >= "0010")) apply(db, file);

    const rows = db
      .prepare(
        "SELECT subscriber_id AS id, mailbox_key AS key FROM consents WHERE email_status IS NOT NULL ORDER BY id",
      )
      .all();
    expect(rows).toEqual(addresses.map((address, i) => ({ id: i + 1, key: mailboxKey(address) })));
    expect(new Set(rows.slice(0, 4).map((row) => row.key))).toEqual(new Set(["victim@gmail.com"]));
    expect(db.prepare("SELECT mailbox_key AS key FROM consents WHERE email_status IS NULL").all()).toEqual([
      { key: null },
    ]);
  });
});

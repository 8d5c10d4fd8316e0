/**
 * `npx tsx scripts/measure-retention.ts [--readers 20000] [--parts 20]`: bytes per email before and after
 * retention, from SQLite's dbstat (docs/retention.md). Seeds a local D1 (wrangler's SQLite file) with --readers
 * readers who each received --parts parts as the delivery cycle writes them (recipient snapshot, provider id,
 * batch), weeks ago, and two provider webhooks per email of the last part; then runs the REAL retention through
 * the cron of `wrangler dev` (port 8796, `/__scheduled`) until nothing is left to slim, and measures the file
 * with `sqlite3` (Debian's, which has dbstat) read-only. Ids are offset so their digits are those of 1,000,000
 * readers and 156 parts (7-digit subscription ids, 3-digit part refs). Prints a table, then ONE JSON line.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { applyLocalMigrations, executeLocalSql, startLocalWorker, type LocalWorker } from "./local-worker";

const { values: opts } = parseArgs({
  options: { readers: { type: "string", default: "20000" }, parts: { type: "string", default: "20" } },
});
const READERS = Number(opts.readers);
const PARTS = Number(opts.parts);
const EMAILS = READERS * PARTS;
const PORT = 8796;
const DAY = 24 * 60 * 60 * 1000;
const SERIES = "origins-of-lead-change";
const FIRST_SUBSCRIBER = 1_000_001;
const FIRST_DELIVERY = 100_000_001;
const NOW = Date.now();
/** Part p (1-based) left 2 + (PARTS - p) weeks ago: every one is past the 7-day window. */
const sentAt = (p: string) => `(${NOW} - (2 + ${PARTS} - ${p}) * 7 * ${DAY})`;

const uuid = `lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-a' || substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)))`;
/** The batch of delivery j of part p, as the cycle names them (a UUID; one per 100 deliveries). */
const batchId = (p: string, j: string) => `printf('%08x-0000-4000-8000-%012x', ${p}, ${j} / 100)`;

const seed = `
  -- Refs 1…99 taken, as after 99 parts: this run's parts get 3-digit refs, as most of 156 would.
  INSERT INTO part_refs (id, series, part_id) VALUES (99, 'earlier-series', 'earlier-part');
  INSERT INTO subscribers (id, email, email_key, name, status, timezone, created_at, updated_at, confirmed_at)
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${READERS - 1})
    SELECT ${FIRST_SUBSCRIBER} + i, 'reader' || i || '@mail.example.com', 'reader' || i || '@mail.example.com', 'Reader ' || i, 'active',
      CASE WHEN i % 2 = 0 THEN 'Europe/Berlin' END, ${NOW - 400 * DAY}, ${NOW - 400 * DAY}, ${NOW - 400 * DAY} FROM n;
  INSERT INTO subscriptions (id, subscriber_id, series, status, next_part, last_part_id, due_at, last_sent_at, created_at, updated_at)
    SELECT id, id, '${SERIES}', 'active', ${PARTS + 1}, 'part-${PARTS}-the-opportunity', NULL, ${NOW - 14 * DAY}, ${NOW - 400 * DAY}, ${NOW - 14 * DAY} FROM subscribers;
  INSERT INTO consents (subscriber_id, series, form, consent_text_version, ip_hash, user_agent_hash, created_at, confirmed_at, expires_at, email_status, email_attempts)
    SELECT id, '${SERIES}', 'signup-form', '2026-11-25', lower(hex(randomblob(32))), lower(hex(randomblob(32))), ${NOW - 400 * DAY}, ${NOW - 400 * DAY},
      ${NOW - 393 * DAY}, 'sent', 1 FROM subscribers;
  INSERT INTO events (subscriber_id, type, data, created_at)
    SELECT subscriber_id, 'confirmed', json_object('series', series, 'consentId', id), created_at FROM consents;
  INSERT INTO batches (id, status, attempts, lease_until, created_at, sent_at)
    WITH RECURSIVE p(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM p WHERE v < ${PARTS}),
      k(v) AS (SELECT 0 UNION ALL SELECT v + 100 FROM k WHERE v + 100 < ${READERS})
    SELECT ${batchId("p.v", "k.v")}, 'sent', 1, 0, ${sentAt("p.v")}, ${sentAt("p.v")} FROM p, k;
  -- Each part reaches the readers in another order (7919 is prime: j → a permutation of them).
  INSERT INTO deliveries (id, subscription_id, subscriber_id, series, part_id, part_number, batch_id, status, to_email, to_name, timezone,
      provider_message_id, created_at, sent_at, delivered_at, human_clicked_at)
    WITH RECURSIVE p(v) AS (SELECT 1 UNION ALL SELECT v + 1 FROM p WHERE v < ${PARTS}),
      j(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM j WHERE v < ${READERS - 1})
    SELECT ${FIRST_DELIVERY} + (x.p - 1) * ${READERS} + x.j, s, s, '${SERIES}', 'part-' || x.p || '-the-opportunity', x.p, ${batchId("x.p", "x.j")},
      'sent', 'reader' || (s - ${FIRST_SUBSCRIBER}) || '@mail.example.com', 'Reader ' || (s - ${FIRST_SUBSCRIBER}),
      CASE WHEN s % 2 = 1 THEN 'Europe/Berlin' END, ${uuid}, ${sentAt("x.p")}, ${sentAt("x.p")}, ${sentAt("x.p")} + 4000,
      CASE WHEN x.j % 33 = 0 THEN ${sentAt("x.p")} + 3600000 END
    FROM (SELECT p.v AS p, j.v AS j, ${FIRST_SUBSCRIBER} + (j.v * 7919 + p.v * 104729) % ${READERS} AS s FROM p, j) x;
  -- Resend's email.sent and email.delivered for each email of the last part, payload kept whole as today.
  INSERT INTO webhook_events (id, type, provider_message_id, delivery_id, payload, received_at)
    SELECT 'msg_' || lower(hex(randomblob(16))) || t.v, 'email.' || t.v, provider_message_id, id,
      json_object('type', 'email.' || t.v, 'created_at', strftime('%Y-%m-%dT%H:%M:%fZ', sent_at / 1000, 'unixepoch'),
        'data', json_object('email_id', provider_message_id, 'from', 'Origins of Lead Change <series@nextpart.example.com>',
          'to', json_array(to_email), 'subject', 'Origins of Lead Change, Part ' || part_number || ': The Opportunity',
          'created_at', strftime('%Y-%m-%dT%H:%M:%fZ', sent_at / 1000, 'unixepoch'), 'headers', json_array(json_object('name', 'List-Unsubscribe',
          'value', '<https://nextpart.example.com/u/k1.AbCdEfGh.AbCdEfGhIjKlMnOpQrStUv>')))),
      sent_at + 5000
    FROM deliveries, (SELECT 'sent' AS v UNION ALL SELECT 'delivered') t WHERE part_number = ${PARTS};
`;

const sqliteFile = (dir: string) => {
  const folder = path.join(dir, "v3", "d1", "miniflare-D1DatabaseObject");
  const file = readdirSync(folder).find((name) => name.endsWith(".sqlite"));
  if (!file) throw new Error(`no SQLite file in ${folder}`);
  return path.join(folder, file);
};

function sqlite(file: string, query: string, attempts = 5): string[][] {
  const result = spawnSync("sqlite3", ["-readonly", "-separator", "\t", file, query], {
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
  // The Worker may hold a write lock for a moment (or be checkpointing on stop): read again.
  if (result.status !== 0 && attempts > 1 && /locked|busy/i.test(result.stderr)) {
    spawnSync("sleep", ["1"]);
    return sqlite(file, query, attempts - 1);
  }
  if (result.status !== 0) throw new Error(`sqlite3 failed (is Debian's sqlite3 installed?): ${result.stderr}`);
  return result.stdout
    .trim()
    .split("\n")
    .filter(Boolean)
    .map((line) => line.split("\t"));
}

/** Bytes of each table with its indexes (dbstat's pages in use, by b-tree), and its rows. */
function measure(file: string) {
  const owner = new Map(
    sqlite(file, "SELECT name, tbl_name FROM sqlite_master WHERE type IN ('table', 'index')").map(([name, table]) => [
      name!,
      table!,
    ]),
  );
  const bytes = new Map<string, number>();
  for (const [name, size] of sqlite(file, "SELECT name, sum(pgsize) FROM dbstat GROUP BY name")) {
    const table = owner.get(name!) ?? name!;
    bytes.set(table, (bytes.get(table) ?? 0) + Number(size));
  }
  const tables = [
    "deliveries",
    "batches",
    "webhook_events",
    "received_parts",
    "delivery_archive",
    "part_refs",
    "subscribers",
    "subscriptions",
    "consents",
    "events",
  ];
  const counts = sqlite(file, tables.map((t) => `SELECT '${t}', count(*) FROM ${t}`).join(" UNION ALL "));
  const rows = new Map(counts.map(([t, n]) => [t!, Number(n)]));
  return (table: string) => ({ bytes: bytes.get(table) ?? 0, rows: rows.get(table) ?? 0 });
}

const dir = mkdtempSync(path.join(tmpdir(), "nextpart-retention-"));
let worker: LocalWorker | undefined;
const cleanup = async () => {
  await worker?.stop();
  rmSync(dir, { recursive: true, force: true });
};
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
  process.on(signal, () => void cleanup().finally(() => process.exit(130)));

try {
  console.log(
    `seeding ${READERS.toLocaleString("en-US")} readers × ${PARTS} parts = ${EMAILS.toLocaleString("en-US")} delivered emails…`,
  );
  applyLocalMigrations(dir);
  executeLocalSql(seed, dir);
  const file = sqliteFile(dir);
  const before = measure(file);
  const sum = (of: typeof before, tables: string[]) => tables.reduce((total, t) => total + of(t).bytes, 0);
  const perReader = sum(before, ["subscribers", "subscriptions", "consents", "events"]) / READERS;

  const secret = () => randomBytes(24).toString("base64url");
  worker = await startLocalWorker({
    port: PORT,
    persistTo: dir,
    vars: {
      RETENTION_CHUNKS_PER_RUN: "100",
      SIGNING_KEYS: `k1:${secret()}`,
      HASH_SECRET: secret(),
      PUBLIC_URL: `http://127.0.0.1:${PORT}`,
    },
  });
  const started = Date.now();
  let ticks = 0;
  for (;;) {
    ticks += 1;
    await (await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`)).text();
    // The cron's work runs after its answer (waitUntil): wait until this tick's retention left the table still.
    let left = Number(sqlite(file, "SELECT count(*) FROM deliveries")[0]![0]);
    for (let previous = -1; left !== previous; await new Promise((r) => setTimeout(r, 500)))
      [previous, left] = [left, Number(sqlite(file, "SELECT count(*) FROM deliveries")[0]![0])];
    if (left === 0 && Number(sqlite(file, "SELECT count(*) FROM webhook_events")[0]![0]) === 0) break;
    if (ticks > 10_000) throw new Error("retention did not finish");
  }
  const seconds = (Date.now() - started) / 1000;
  await worker.stop();
  worker = undefined;
  const after = measure(file);

  const compact = ["received_parts", "delivery_archive", "part_refs"];
  const live = ["deliveries", "batches"];
  const result = {
    readers: READERS,
    parts: PARTS,
    emails: EMAILS,
    bytes_per_email_before: Math.round(sum(before, live) / EMAILS),
    bytes_per_webhook_event_before: Math.round(
      before("webhook_events").bytes / Math.max(1, before("webhook_events").rows),
    ),
    // What the emails leave for good; the emptied tables keep only a few pages, whatever the list size.
    bytes_per_email_retained: Number((sum(after, compact) / EMAILS).toFixed(1)),
    emptied_tables_bytes: sum(after, [...live, "webhook_events"]),
    bytes_per_email_compact: Object.fromEntries(compact.map((t) => [t, Number((after(t).bytes / EMAILS).toFixed(2))])),
    bytes_per_reader: Math.round(perReader),
    left: Object.fromEntries([...live, "webhook_events"].map((t) => [t, after(t).rows])),
    retention_ticks: ticks,
    retention_seconds: Number(seconds.toFixed(1)),
  };
  const projectedGb = (1_000_000 * result.bytes_per_reader + 156_000_000 * result.bytes_per_email_retained) / 1e9;
  console.log(
    `\n  before retention: ${result.bytes_per_email_before} B per email in deliveries and batches (with indexes), ${result.bytes_per_webhook_event_before} B per webhook event`,
  );
  console.log(
    `  after:  ${result.bytes_per_email_retained} B per email retained (${compact.map((t) => `${t} ${result.bytes_per_email_compact[t]}`).join(", ")})`,
  );
  console.log(`  a reader (subscriber, subscription, consent, event, indexes): ${result.bytes_per_reader} B`);
  console.log(
    `  projection, 1,000,000 readers × 156 parts: ${projectedGb.toFixed(2)} GB (+ the live window: 7 days of deliveries and 72 h of webhooks)`,
  );
  console.log(`  retention: ${ticks} cron ticks, ${result.retention_seconds} s\n`);
  console.log(JSON.stringify({ ...result, projected_gb_1m_readers_156_parts: Number(projectedGb.toFixed(2)) }));
} finally {
  await cleanup();
}

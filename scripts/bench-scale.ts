/**
 * `npm run bench:scale`: a list with months of history, end to end on `wrangler dev` (local workerd, D1 and
 * Queues in a temp dir) against the mock Resend on 127.0.0.1:
 *   1. seed --readers readers (default 10,000) who each received --history parts (default 20), with the rows the
 *      Worker wrote for them (deliveries, webhook events, clicks), as a list has them after months;
 *   2. run the retention through the cron until it has nothing left, and measure bytes per reader and per email
 *      kept (SQLite's dbstat on the local D1 file);
 *   3. send the next part to every reader through the real cycle (POST /admin/api/send);
 *   4. post the provider's events for every email through the real webhook route (sent, delivered; a share
 *      opened, clicked, bounced; duplicates; shuffled) and wait for the feedback queue to drain;
 *   5. follow a share of the action links as people and as scanners (user agent, HEAD, bursts) and wait for the
 *      click queue to drain;
 *   6. check exactly-once and the counters, print a summary and ONE JSON line; exit 1 when a check fails.
 * D1 round trips per event and per click are read from the consumers' log lines. Larger sizes:
 * `npm run bench:scale -- --readers 200000`. Always stops what it started (wrangler dev, the mock).
 */
import { randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { Webhook } from "standardwebhooks";
import type { CycleSummary } from "../worker/delivery/run-cycle";
import { benchAdmin, CheckFailed, check, fmt } from "./bench-shared";
import { parseKeyring } from "../worker/lib/keyring";
import { signDeliveryTokens } from "../worker/tokens";
import { BENCH_SERIES, benchPartIds, buildBenchCatalog, restoreCatalog } from "./bench-scale/bench-series";
import { consumerTotals, type LogLine, parseLogLine } from "./bench-scale/log-lines";
import { localD1File, readLocal, seedHistory, tableBytes } from "./bench-scale/seed-history";
import { applyLocalMigrations, freePort, scratchWorker } from "./local-worker";
import { startMockResend } from "./mock-resend-server";

const { values: opts } = parseArgs({
  options: {
    readers: { type: "string", default: "10000" },
    history: { type: "string", default: "20" },
    concurrency: { type: "string", default: "16" },
    verbose: { type: "boolean", default: false },
  },
});
const READERS = Number(opts.readers);
const HISTORY = Number(opts.history);
const CONCURRENCY = Number(opts.concurrency);
const PART_IDS = benchPartIds(HISTORY + 1);
const NEW_PART = PART_IDS.at(-1)!;
const ADMIN_TOKEN = randomBytes(24).toString("base64url");
const SIGNING_KEYS = `k1:${randomBytes(32).toString("base64url")}`;
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const BROWSER =
  "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15";
/** What a person cannot beat (worker/actions: too-soon is 15 s after sending). */
const TOO_SOON_MS = 15_000;
/** The projection's list: a million readers, three years of a weekly series. */
const PROJECTED_READERS = 1_000_000;
const PROJECTED_PARTS = 156;
const PER_READER_TABLES = new Set(["subscribers", "subscriptions", "consents"]);

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Runs `tasks` with at most `limit` in flight. */
async function pool<T>(items: T[], limit: number, task: (item: T) => Promise<void>) {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await task(items[next++]!);
    }),
  );
}

/** Waits until `done()` holds, polling; false after `ms`. */
async function until(done: () => boolean, ms: number) {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(250);
  }
  return true;
}

const scratch = scratchWorker("nextpart-bench-scale-");
const mock = await startMockResend(0, { keepBodies: false });
const logLines: LogLine[] = [];
const result: Record<string, number | string | boolean | null> = { readers: READERS, history_parts: HISTORY };
let exitCode = 0;

try {
  console.log(
    `nextpart bench:scale: node ${process.version}; ${fmt(READERS)} readers × ${HISTORY} parts of history, then part ${HISTORY + 1}`,
  );
  buildBenchCatalog(scratch.dir, HISTORY + 1);
  const persistTo = scratch.dir;
  applyLocalMigrations(persistTo);
  const file = localD1File(persistTo);
  const empty = tableBytes(file);
  const t0 = performance.now();
  const seeded = seedHistory(file, { readers: READERS, series: BENCH_SERIES, partIds: PART_IDS, now: Date.now() });
  console.log(
    `seeded ${fmt(READERS)} readers and ${fmt(seeded.deliveries)} past emails in ${fmt((performance.now() - t0) / 1000, 1)} s`,
  );
  const historyStats = readLocal<Record<string, number | string>>(
    file,
    `SELECT * FROM part_stats WHERE series = ? ORDER BY part_id`,
    BENCH_SERIES,
  );
  const before = tableBytes(file);

  const port = await freePort();
  const worker = await scratch.start({
    port,
    vars: {
      RESEND_API_KEY: "re_bench",
      RESEND_BASE_URL: mock.url,
      PROVIDER_RPS: "0",
      SEND_BATCHES_PER_RUN: "200",
      SEND_CONCURRENCY: "4",
      ADMIN_TOKEN,
      SIGNING_KEYS,
      HASH_SECRET: randomBytes(24).toString("base64url"),
      RESEND_WEBHOOK_SECRET: WEBHOOK_SECRET,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      TURNSTILE_SECRET: "",
      // Faster through the history than the default 4 (each chunk is ≤ 500 rows per table, in one D1 batch).
      RETENTION_CHUNKS_PER_RUN: "20",
    },
    onLine: (line) => {
      if (opts.verbose) console.log(`  [worker] ${line}`);
      const parsed = parseLogLine(line);
      if (parsed) logLines.push(parsed);
    },
  });
  const admin = benchAdmin(worker.url, ADMIN_TOKEN);

  // 2. Retention over the history, the series paused so the cron's cycle sends nothing meanwhile.
  await admin("POST", `/series/${BENCH_SERIES}/pause`);
  const retentionStart = logLines.length;
  const tRetention = performance.now();
  let ticks = 0;
  for (; ticks < 5_000; ticks++) {
    const seen = logLines.length;
    const res = await fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`);
    check(res.ok, `/__scheduled answered ${res.status}`);
    await until(() => logLines.slice(seen).some((l) => l.kind === "retention"), 30_000);
    const run = logLines.slice(seen).find((l) => l.kind === "retention");
    if (!run || run.rows === 0) break;
  }
  const retention = consumerTotals(logLines.slice(retentionStart), "retention");
  console.log(
    `retention: ${fmt(retention.rows)} rows in ${ticks} cron ticks, ${fmt(retention.roundTrips)} D1 statements, ${fmt((performance.now() - tRetention) / 1000, 1)} s`,
  );
  const after = tableBytes(file);
  const grown = (rows: typeof before, pick: (table: string) => boolean) =>
    rows.filter((r) => pick(r.table)).reduce((sum, r) => sum + r.bytes, 0) -
    empty.filter((r) => pick(r.table)).reduce((sum, r) => sum + r.bytes, 0);
  const perReader = grown(after, (t) => PER_READER_TABLES.has(t)) / READERS;
  const perEmailBefore = grown(before, (t) => !PER_READER_TABLES.has(t)) / seeded.deliveries;
  const perEmailRetained = grown(after, (t) => !PER_READER_TABLES.has(t)) / seeded.deliveries;
  Object.assign(result, {
    bytes_per_reader: Math.round(perReader),
    bytes_per_email_before_retention: Math.round(perEmailBefore),
    bytes_per_email_retained: Math.round(perEmailRetained),
    retention_ticks: ticks,
  });
  console.log(
    `bytes: ${fmt(perReader)} per reader; per past email ${fmt(perEmailBefore)} before retention → ${fmt(perEmailRetained)} kept`,
  );
  for (const row of after.slice(0, 12)) console.log(`  ${row.name.padEnd(44)} ${fmt(row.bytes / 1024)} KiB`);

  // 3. The next part to everyone, through the real cycle.
  await admin("POST", `/series/${BENCH_SERIES}/resume`);
  const send = { sent: 0, cycles: 0, seconds: 0, rowsRead: 0, rowsWritten: 0, statements: 0 };
  while (send.sent < READERS && send.cycles < 200) {
    const t = performance.now();
    const s = (await admin("POST", "/send", {})) as CycleSummary;
    send.seconds += (performance.now() - t) / 1000;
    send.cycles += 1;
    send.sent += s.sent;
    send.rowsRead += s.d1.rowsRead;
    send.rowsWritten += s.d1.rowsWritten;
    send.statements += s.d1.statements;
    if (s.sent === 0) break;
  }
  const idle = (await admin("POST", "/send", {})) as CycleSummary;
  check(send.sent === READERS, `sent ${send.sent} of ${READERS}`);
  Object.assign(result, {
    emails_per_s: Math.round(send.sent / send.seconds),
    rows_written_per_email: +(send.rowsWritten / send.sent).toFixed(2),
    claim_rows_read_per_email: +(send.rowsRead / send.sent).toFixed(2),
    idle_rows_read: idle.d1.rowsRead,
  });
  console.log(
    `send: ${fmt(send.sent)} emails in ${send.cycles} cycles (${fmt(send.sent / send.seconds)}/s), ${fmt(send.rowsWritten / send.sent, 2)} rows written and ` +
      `${fmt(send.rowsRead / send.sent, 2)} read per email; an idle cycle read ${idle.d1.rowsRead} rows`,
  );

  // 4. The provider's events for every email, through the signed webhook route.
  const sentRows = readLocal<{ id: number; subscriberId: number; messageId: string; to: string; sentAt: number }>(
    file,
    `SELECT id, subscriber_id AS subscriberId, provider_message_id AS messageId, to_email AS "to", sent_at AS sentAt FROM deliveries WHERE part_id = ?`,
    NEW_PART,
  );
  check(sentRows.length === READERS, `${sentRows.length} deliveries of the new part in D1, expected ${READERS}`);
  const bounced = (i: number) => i % 200 === 7;
  const opened = (i: number) => !bounced(i) && i % 3 === 0;
  const expected = { delivered: 0, opened: 0, bounces: 0, humanClicks: 0, scannerClicks: 0 };
  const webhook = new Webhook(WEBHOOK_SECRET);
  const events: { id: string; body: string; at: Date }[] = [];
  sentRows.forEach((row, i) => {
    const types = bounced(i)
      ? ["email.sent", "email.bounced"]
      : [
          "email.sent",
          "email.delivered",
          ...(opened(i) ? ["email.opened"] : []),
          ...(i % 10 === 0 ? ["email.clicked"] : []),
        ];
    if (bounced(i)) expected.bounces++;
    else expected.delivered++;
    if (opened(i)) expected.opened++;
    for (const type of types) {
      const at = new Date();
      const body = JSON.stringify({
        type,
        created_at: at.toISOString(),
        data: {
          email_id: row.messageId,
          to: [row.to],
          from: "bench@scale.example",
          subject: "Scale Bench",
          created_at: at.toISOString(),
        },
      });
      const event = { id: `msg_${randomUUID()}`, body, at };
      events.push(event);
      if (i % 20 === 0) events.push(event); // Resend redelivers: the same svix-id again
    }
  });
  for (let i = events.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [events[i], events[j]] = [events[j]!, events[i]!];
  }
  const feedbackStart = logLines.length;
  const tEvents = performance.now();
  let eventErrors = 0;
  await pool(events, CONCURRENCY, async (event) => {
    const res = await fetch(`${worker.url}/webhooks/resend`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "svix-id": event.id,
        "svix-timestamp": String(Math.floor(event.at.getTime() / 1000)),
        "svix-signature": webhook.sign(event.id, event.at, event.body),
      },
      body: event.body,
    });
    await res.arrayBuffer();
    if (!res.ok) eventErrors++;
  });
  const eventSeconds = (performance.now() - tEvents) / 1000;
  check(eventErrors === 0, `${eventErrors} webhook posts were refused`);
  const counters = () =>
    readLocal<Record<string, number>>(
      file,
      `SELECT delivered, opened, bounces, human_clicks AS humanClicks, scanner_clicks AS scannerClicks, sent FROM part_stats WHERE series = ? AND part_id = ?`,
      BENCH_SERIES,
      NEW_PART,
    )[0] ?? {};
  await until(() => {
    const c = counters();
    return c.delivered === expected.delivered && c.opened === expected.opened && c.bounces === expected.bounces;
  }, 180_000);
  await sleep(2_000); // a late duplicate would move a counter now
  const feedback = consumerTotals(logLines.slice(feedbackStart), "feedback");
  Object.assign(result, {
    webhook_events_posted: events.length,
    webhook_posts_per_s: Math.round(events.length / eventSeconds),
    d1_round_trips_per_event: feedback.events > 0 ? +(feedback.roundTrips / feedback.events).toFixed(3) : null,
  });
  console.log(
    `webhooks: ${fmt(events.length)} posted (${fmt(events.length / eventSeconds)}/s); the consumer took ${fmt(feedback.events)} in ` +
      `${fmt(feedback.batches)} batches, ${fmt(feedback.roundTrips)} D1 round trips`,
  );

  // 5. Action links: people (after the too-soon window) and scanners, each click from its own client address.
  const lastSent = Math.max(...sentRows.map((r) => r.sentAt));
  await sleep(Math.max(0, lastSent + TOO_SOON_MS + 1_000 - Date.now()));
  const keyring = parseKeyring(SIGNING_KEYS);
  check(keyring.ok, "bench keyring");
  type Click = { path: string; method: string; agent: string; ip: string };
  const clicks: Click[] = [];
  const bursts: Click[][] = [];
  for (const [i, row] of sentRows.entries()) {
    if (bounced(i) || i % 5 !== 0) continue;
    const { reader } = await signDeliveryTokens(keyring.keyring, row.id);
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
    const kind = i % 25;
    if (kind === 0) {
      // A gateway walking every link of the email at once: a burst, flagged whole.
      bursts.push(
        [0, 1, 2].map((n) => ({
          path: `/a/${reader}/${BENCH_SERIES}/${NEW_PART}/${n}`,
          method: "GET",
          agent: BROWSER,
          ip,
        })),
      );
      expected.scannerClicks++;
    } else if (kind === 5) {
      clicks.push({
        path: `/a/${reader}/${BENCH_SERIES}/${NEW_PART}/0`,
        method: "GET",
        agent: "python-requests/2.32",
        ip,
      });
      expected.scannerClicks++;
    } else if (kind === 10) {
      clicks.push({ path: `/a/${reader}/${BENCH_SERIES}/${NEW_PART}/1`, method: "HEAD", agent: BROWSER, ip });
      expected.scannerClicks++;
    } else {
      clicks.push({ path: `/a/${reader}/${BENCH_SERIES}/${NEW_PART}/0`, method: "GET", agent: BROWSER, ip });
      expected.humanClicks++;
    }
  }
  const clickStart = logLines.length;
  let answered = 0;
  const follow = async (click: Click) => {
    const res = await fetch(`${worker.url}${click.path}`, {
      method: click.method,
      redirect: "manual",
      headers: { "user-agent": click.agent, "cf-connecting-ip": click.ip },
    });
    await res.arrayBuffer();
    if (res.status === 302 || res.status === 303) answered++;
  };
  const tClicks = performance.now();
  await pool(clicks, CONCURRENCY, follow);
  await pool(bursts, Math.max(1, CONCURRENCY / 4), (burst) => Promise.all(burst.map(follow)).then(() => {}));
  const clickSeconds = (performance.now() - tClicks) / 1000;
  const requested = clicks.length + bursts.length * 3;
  check(answered === requested, `${answered} of ${requested} action links redirected`);
  await until(() => {
    const c = counters();
    return c.humanClicks === expected.humanClicks && c.scannerClicks === expected.scannerClicks;
  }, 180_000);
  await sleep(2_000);
  const clickTotals = consumerTotals(logLines.slice(clickStart), "clicks");
  Object.assign(result, {
    clicks_requested: requested,
    clicks_per_s: Math.round(requested / clickSeconds),
    d1_round_trips_per_click: clickTotals.events > 0 ? +(clickTotals.roundTrips / clickTotals.events).toFixed(3) : null,
  });
  console.log(
    `clicks: ${fmt(requested)} followed (${fmt(requested / clickSeconds)}/s); the consumer took ${fmt(clickTotals.events)} in ` +
      `${fmt(clickTotals.batches)} batches, ${fmt(clickTotals.roundTrips)} D1 round trips`,
  );

  // 6. Checks, then the projection.
  const mockStats = (await (await fetch(`${mock.url}/__stats`)).json()) as { replays: number; conflicts: number };
  const accepted = (await (await fetch(`${mock.url}/__sent`)).json()) as { to: string }[];
  const [positions] = readLocal<{ behind: number; twice: number }>(
    file,
    `SELECT (SELECT count(*) FROM subscriptions WHERE series = ?1 AND next_part <> ?2) AS behind,
       (SELECT count(*) FROM (SELECT subscription_id FROM deliveries WHERE part_id = ?3 GROUP BY subscription_id HAVING count(*) > 1)) AS twice`,
    BENCH_SERIES,
    HISTORY + 2,
    NEW_PART,
  );
  const exactlyOnce =
    accepted.length === READERS &&
    new Set(accepted.map((e) => e.to)).size === READERS &&
    mockStats.replays === 0 &&
    mockStats.conflicts === 0 &&
    positions!.behind === 0 &&
    positions!.twice === 0;
  const final = counters();
  const historyAfter = readLocal<Record<string, number | string>>(
    file,
    `SELECT * FROM part_stats WHERE series = ? AND part_id <> ? ORDER BY part_id`,
    BENCH_SERIES,
    NEW_PART,
  );
  const countersExact =
    final.sent === READERS &&
    final.delivered === expected.delivered &&
    final.opened === expected.opened &&
    final.bounces === expected.bounces &&
    final.humanClicks === expected.humanClicks &&
    final.scannerClicks === expected.scannerClicks &&
    JSON.stringify(historyAfter) === JSON.stringify(historyStats);
  const freshBytes = grown(tableBytes(file), (t) => !PER_READER_TABLES.has(t)) - perEmailRetained * seeded.deliveries;
  const perEmailFresh = freshBytes / READERS;
  // A million readers: their rows, 156 parts each kept compact, and the latest part still whole (inside its windows).
  const projected = (PROJECTED_READERS * (perReader + PROJECTED_PARTS * perEmailRetained + perEmailFresh)) / 1e9;
  Object.assign(result, {
    bytes_per_email_fresh: Math.round(perEmailFresh),
    projected_gb_1m_readers_156_parts: +projected.toFixed(2),
    exactly_once: exactlyOnce,
    counters_exact: countersExact,
  });
  console.log(
    `exactly once: ${exactlyOnce} (${accepted.length} accepted, ${mockStats.replays} replays, ${positions!.behind} readers behind)`,
  );
  console.log(
    `counters exact: ${countersExact} (got ${JSON.stringify(final)}, expected ${JSON.stringify({ sent: READERS, ...expected })})`,
  );
  console.log(
    `projection: 1,000,000 readers × 156 parts ≈ ${fmt(projected, 2)} GB (${fmt(perReader)} B per reader, ` +
      `${fmt(perEmailRetained)} B per past email, ${fmt(perEmailFresh)} B per email inside its windows)`,
  );
  check(exactlyOnce, "exactly once");
  check(countersExact, "counters exact");
} catch (error) {
  exitCode = 1;
  console.error(error instanceof CheckFailed ? error.message : error);
  if (opts.verbose) await sleep(2_000); // the Worker's own log of what failed
} finally {
  console.log(JSON.stringify(result));
  await scratch.cleanUp();
  await mock.close();
  restoreCatalog();
}
process.exit(exitCode);

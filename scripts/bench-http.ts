/**
 * `npm run bench:http`: HTTP load on the local Worker (`wrangler dev` on 127.0.0.1, local D1 in a temp dir),
 * driven by autocannon. In one run, against the same server: a trivial route as the baseline, the signup page,
 * POST /subscribe (a new client address and email per request) and the action link GET /a/:token/:n (a
 * different reader's delivery per request). Prints req/s, p99 and the ratio to the baseline, then one JSON line.
 *
 * No click may be lost: the redirect is answered at once and the click rides the click queue, so after the run
 * the bench polls local D1 (read-only) until the clicks recorded stop changing, then they must equal the redirects
 * answered (exit code 1 when they differ). The consumer's log lines ("clicks batch {…}") give its batches and D1
 * round trips per click.
 *
 * Options: --seconds 5 (per route)  --connections 10  --readers 5000  --clicks 3000 (action requests)
 */
import { readdirSync } from "node:fs";
import path from "node:path";
import { DatabaseSync } from "node:sqlite";
import { parseArgs } from "node:util";
import autocannon from "autocannon";
import type { Keyring } from "../worker/lib/keyring";
import { signDeliveryTokens } from "../worker/tokens";
import { applyLocalMigrations, executeLocalSql, freePort, scratchWorker } from "./local-worker";

const { values: opts } = parseArgs({
  options: {
    seconds: { type: "string", default: "5" },
    connections: { type: "string", default: "10" },
    readers: { type: "string", default: "5000" },
    clicks: { type: "string", default: "3000" },
  },
});
const SECONDS = Number(opts.seconds);
const CONNECTIONS = Number(opts.connections);
const READERS = Number(opts.readers);
const ACTION_REQUESTS = Number(opts.clicks);
const SERIES = "origins-of-lead-change";
const SIGNING_KEY = { kid: "k1", secret: "bench-http-signing-secret-0123456789" };
const DAY_MS = 24 * 60 * 60 * 1000;

/** Readers who received part 1 a day ago (so no click is "too soon" after delivery). */
function seedDeliveredSql(count: number, now: number) {
  const sent = now - DAY_MS;
  return `INSERT INTO subscribers (email, email_key, status, created_at, updated_at, confirmed_at)
      WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${count})
      SELECT 'reader' || i || '@bench.example', 'reader' || i || '@bench.example', 'active', ${sent}, ${sent}, ${sent} FROM seq;
    INSERT INTO subscriptions (subscriber_id, series, status, next_part, due_at, last_sent_at, created_at, updated_at)
      SELECT id, '${SERIES}', 'active', 2, NULL, ${sent}, ${sent}, ${sent} FROM subscribers;
    INSERT INTO deliveries (subscription_id, subscriber_id, series, part_id, part_number, batch_id, status, to_email,
        provider_message_id, created_at, sent_at)
      SELECT s.id, s.subscriber_id, s.series, 'the-opportunity', 1, 'bench', 'sent', p.email, 'msg-' || s.id, ${sent}, ${sent}
      FROM subscriptions s JOIN subscribers p ON p.id = s.subscriber_id`;
}

interface RouteResult {
  rps: number;
  p99: number;
  statuses: Record<string, number>;
}

/** One autocannon run; `next` builds each request (path, method, headers, body). */
async function load(url: string, next: (i: number) => autocannon.Request, amount?: number): Promise<RouteResult> {
  let i = 0;
  const t0 = performance.now();
  let lastAnswer = t0;
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    // A fixed number of requests ends with none in flight, so every answer is counted (a timed run drops the last).
    ...(amount ? { amount } : { duration: SECONDS }),
    requests: [
      {
        setupRequest: (request) => ({ ...request, ...next(i++) }),
        onResponse: () => {
          lastAnswer = performance.now();
        },
      },
    ],
  });
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stat]) => [code, (stat as { count: number }).count]),
  );
  // Our own clock, to the last answer: autocannon's average, duration and finish move in whole seconds.
  const seconds = (lastAnswer - t0) / 1000;
  return { rps: result.requests.total / seconds, p99: result.latency.p99, statuses };
}

const scratch = scratchWorker("nextpart-bench-http-");
const tmp = scratch.dir;

try {
  applyLocalMigrations(tmp);
  executeLocalSql(seedDeliveredSql(READERS, Date.now()), tmp);
  // The Worker below has one signing key: its ring is that key.
  const keyring: Keyring = { keys: [SIGNING_KEY] };
  const tokens = await Promise.all(
    Array.from({ length: READERS }, async (_, i) => (await signDeliveryTokens(keyring, i + 1)).reader),
  );
  const port = await freePort();
  const worker = await scratch.start({
    port,
    vars: {
      SIGNING_KEYS: `${SIGNING_KEY.kid}:${SIGNING_KEY.secret}`,
      HASH_SECRET: "bench-http-hash-secret-0123456789",
      ADMIN_TOKEN: "bench-http-admin-token-0123456789abcdef",
      PUBLIC_URL: `http://127.0.0.1:${port}`,
      LOCAL_OUTBOX: "1",
    },
  });
  const url = worker.url;
  const clientIp = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
  const consumer = { batches: 0, clicks: 0, recorded: 0, d1RoundTrips: 0 };
  worker.process.stdout!.on("data", (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) {
      const logged = /clicks batch (\{.*\})/.exec(line);
      if (!logged) continue;
      const batch = JSON.parse(logged[1]!) as typeof consumer;
      consumer.batches++;
      consumer.clicks += batch.clicks;
      consumer.recorded += batch.recorded;
      consumer.d1RoundTrips += batch.d1RoundTrips;
    }
  });

  const results = {
    baseline: await load(url, () => ({ method: "GET", path: "/healthz" })),
    home: await load(url, () => ({ method: "GET", path: "/" })),
    subscribe: await load(url, (i) => ({
      method: "POST",
      path: "/subscribe",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: url, "cf-connecting-ip": clientIp(i) },
      body: new URLSearchParams({ email: `load-${i}-${Date.now()}@bench.example`, series: SERIES }).toString(),
    })),
    action: await load(
      url,
      // Each click from a client address of its own: a single client would meet CLICK_LIMITER (30 per 10 s).
      (i) => ({
        method: "GET",
        path: `/a/${tokens[i % READERS]}/${SERIES}/the-opportunity/0`,
        headers: { "user-agent": "Mozilla/5.0 (bench)", "cf-connecting-ip": clientIp(1_000_000 + i) },
      }),
      ACTION_REQUESTS,
    ),
  };
  const clicksAnswered = results.action.statuses["302"] ?? 0;

  // The redirect does not wait for the click's write: poll until the queue has drained, bounded in time.
  const clicksRecorded = await settledClickCount(tmp, clicksAnswered);
  // The last batch's log line can trail its commit: give it a moment (bounded) before stopping the Worker.
  for (let waited = 0; consumer.recorded < clicksRecorded && waited < 5_000; waited += 100)
    await new Promise((resolve) => setTimeout(resolve, 100));
  await scratch.stopWorker();

  const base = results.baseline.rps;
  console.log(`\n${CONNECTIONS} connections, ${SECONDS} s per route, ${READERS} readers\n`);
  console.log("route        req/s    p99 ms   ratio   statuses");
  for (const [name, r] of Object.entries(results)) {
    console.log(
      `${name.padEnd(10)} ${r.rps.toFixed(0).padStart(7)} ${String(r.p99).padStart(9)} ${(r.rps / base).toFixed(2).padStart(7)}   ${JSON.stringify(r.statuses)}`,
    );
  }
  console.log(`\nclicks: ${clicksAnswered} redirects answered, ${clicksRecorded} recorded`);
  console.log(
    `click consumer: ${consumer.batches} batches, ${consumer.clicks} clicks, ${consumer.d1RoundTrips} D1 round trips\n`,
  );
  console.log(
    JSON.stringify({
      baseline_rps: Math.round(base),
      home_rps: Math.round(results.home.rps),
      subscribe_rps: Math.round(results.subscribe.rps),
      action_rps: Math.round(results.action.rps),
      home_ratio: +(results.home.rps / base).toFixed(2),
      subscribe_ratio: +(results.subscribe.rps / base).toFixed(2),
      action_ratio: +(results.action.rps / base).toFixed(2),
      action_p99_ms: results.action.p99,
      subscribe_p99_ms: results.subscribe.p99,
      clicks_answered: clicksAnswered,
      clicks_recorded: clicksRecorded,
      click_batches: consumer.batches,
      d1_round_trips_per_click: consumer.clicks ? +(consumer.d1RoundTrips / consumer.clicks).toFixed(3) : null,
    }),
  );
  process.exitCode = clicksRecorded === clicksAnswered ? 0 : 1;
} finally {
  await scratch.cleanUp();
}

/**
 * Clicks in local D1 (the SQLite file, opened read-only while the Worker runs) once the count reaches `expected`
 * or stops moving for 3 s; at most 60 s.
 */
async function settledClickCount(persistTo: string, expected: number): Promise<number> {
  const dir = path.join(persistTo, "v3/d1/miniflare-D1DatabaseObject");
  const file = readdirSync(dir).find((name) => name.endsWith(".sqlite") && name !== "metadata.sqlite");
  if (!file) throw new Error(`no local D1 database in ${dir}`);
  const count = () => {
    const db = new DatabaseSync(path.join(dir, file), { readOnly: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM clicks").get() as { n: number }).n;
    } finally {
      db.close();
    }
  };
  const deadline = Date.now() + 60_000;
  let last = -1;
  let steadySince = Date.now();
  while (Date.now() < deadline) {
    const now = count();
    if (now >= expected) return now;
    if (now !== last) {
      last = now;
      steadySince = Date.now();
    } else if (Date.now() - steadySince > 3_000) {
      return now;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return count();
}

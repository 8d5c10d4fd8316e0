/**
 * `npm run bench`: the REAL delivery cycle (POST /admin/api/send → runDeliveryCycle) under `wrangler dev`
 * (local workerd + local D1 in a temp --persist-to dir) against the mock Resend on 127.0.0.1.
 *
 * Scenarios (each on a fresh copy of a migrated database):
 *   all-due  N readers (--n, default 10,000) due for part 1; send until nothing is due; D1 and the mock are
 *            checked afterwards (every reader advanced, one sent delivery each, no duplicate at the provider).
 *            Run once per --concurrency value (default 2,4,8); the fastest is kept.
 *   sparse   --sparse-n readers (default 100,000), 1 % due, the rest due in a year or caught up (due_at NULL):
 *            D1 rows read per email sent.
 *   idle     --idle-n readers (default = --sparse-n), nobody due: one warm-up cycle, then one measured cycle.
 *   profile  the same cycle through scripts/bench/profile-worker.ts (instrumented meter and mailer): D1 rows and
 *            time per statement, time split D1 / provider / JS, templateStats.compiles, and a what-if with the
 *            provider body's serialization taken out.
 *
 * Options: --n 10000  --sparse-n 100000  --idle-n 100000  --concurrency 2,4,8  --scenarios all,sparse,idle,profile
 *          --repeat 1 (all-due runs per concurrency)  --timeout-s 600  --tmp-dir DIR (default: the OS temp dir)
 *          --out FILE (everything as JSON)  --strict  --verbose
 * Prints a human summary, then ONE JSON line. Exit code 0 when it ran and every check held (targets missed
 * are reported as MISS, not a failure: pass --strict to make a MISS exit 1); 1 on a failed check; 2 on timeout.
 * Only talks to 127.0.0.1; always stops wrangler and the mock.
 */
import { spawnSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import type { CycleSummary } from "../worker/delivery/cycle";
import { startMockResend, type MockResend } from "../tests/helpers/mock-resend-server";
import { measureCompose } from "./bench/compose-micro";
import { queryLocalJson } from "./bench/d1";
import { cpuDelta, machineBusySeconds, processGroupsMentioning, sampleGroupCpu, type CpuDelta } from "./bench/proc-cpu";
import { bundleProfileWorker, describeProfile, profileCycle, startProfileWorker, type Profile } from "./bench/profile";
import { trackProviderCalls, type ProviderTiming } from "./bench/provider-timing";
import { applyLocalMigrations, executeLocalSql, startLocalWorker, type LocalWorker } from "./local-worker";

const root = path.resolve(import.meta.dirname, "..");
process.chdir(root);

const { values: opts } = parseArgs({
  options: {
    n: { type: "string", default: "10000" },
    "sparse-n": { type: "string", default: "100000" },
    "idle-n": { type: "string" },
    concurrency: { type: "string", default: "2,4,8" },
    scenarios: { type: "string", default: "all,sparse,idle,profile" },
    repeat: { type: "string", default: "1" },
    "timeout-s": { type: "string", default: "600" },
    out: { type: "string" },
    "tmp-dir": { type: "string" },
    strict: { type: "boolean", default: false },
    verbose: { type: "boolean", default: false },
  },
});
const positiveInt = (name: string, value: string | undefined) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer (got ${value})`);
  return n;
};
const N = positiveInt("n", opts.n);
const SPARSE_N = positiveInt("sparse-n", opts["sparse-n"]);
const IDLE_N = positiveInt("idle-n", opts["idle-n"] ?? String(SPARSE_N));
const REPEAT = positiveInt("repeat", opts.repeat);
const TIMEOUT_S = positiveInt("timeout-s", opts["timeout-s"]);
const CONCURRENCIES = opts.concurrency!.split(",").map((c) => positiveInt("concurrency", c.trim()));
const SCENARIOS = new Set(opts.scenarios!.split(",").map((s) => s.trim()));
for (const s of SCENARIOS) if (!["all", "sparse", "idle", "profile"].includes(s)) throw new Error(`unknown scenario ${s}`);

/** Parent of the temp dirs (local D1 state). tmpfs (/dev/shm) takes disk syncs out; measured within ~5 % here. */
const TMP_PARENT = opts["tmp-dir"] ?? tmpdir();

const SERIES = "origins-of-lead-change";
const ADMIN_TOKEN = randomBytes(24).toString("base64url");
const SIGNING_SECRET = randomBytes(24).toString("base64url");
const DAY_MS = 24 * 60 * 60 * 1000;
const TARGETS = { emailsPerS: 5000, sparseRowsReadPerEmail: 5, idleRowsRead: 20 };

// ---------------------------------------------------------------------------------------------------------
// Lifecycle: everything started is registered here and stopped on exit, error, signal or overall timeout.

const cleanups = new Set<() => Promise<void> | void>();
let cleaning: Promise<void> | null = null;
const cleanupAll = () =>
  (cleaning ??= (async () => {
    for (const fn of [...cleanups].reverse()) {
      try {
        await fn();
      } catch (error) {
        console.error("bench: cleanup failed:", error);
      }
    }
    cleanups.clear();
  })());
let stopping = false;
const overall = setTimeout(() => {
  stopping = true;
  console.error(`bench: overall timeout (${TIMEOUT_S} s), stopping`);
  void cleanupAll().finally(() => process.exit(2));
}, TIMEOUT_S * 1000);
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, () => {
    stopping = true;
    console.error(`bench: ${signal}, stopping`);
    void cleanupAll().finally(() => process.exit(130));
  });
}

const log = (...args: unknown[]) => console.log(...args);
const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

class CheckFailed extends Error {}
function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CheckFailed(`CHECK FAILED: ${message}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const timed = <T>(fn: () => T): [T, number] => {
  const t0 = performance.now();
  const value = fn();
  return [value, (performance.now() - t0) / 1000];
};

// ---------------------------------------------------------------------------------------------------------
// Seeding: one wrangler d1 execute per scenario, rows generated by a recursive CTE inside SQLite.

function seedSubscribersSql(count: number, now: number) {
  return `INSERT INTO subscribers (email, email_key, name, status, timezone, created_at, updated_at, confirmed_at)
    WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < ${count})
    SELECT 'reader' || i || '@bench.example', 'reader' || i || '@bench.example', 'Reader ' || i, 'active', NULL,
      ${now}, ${now}, ${now} FROM seq`;
}

/** Every reader active, due for part 1 (distinct due_at in the past, so ORDER BY due_at means something). */
function seedAllDueSql(count: number, now: number) {
  return `${seedSubscribersSql(count, now)};
    INSERT INTO subscriptions (subscriber_id, series, status, next_part, due_at, created_at, updated_at)
    SELECT id, '${SERIES}', 'active', 1, ${now - DAY_MS} + id, ${now}, ${now} FROM subscribers`;
}

/**
 * 1 in `dueEvery` readers due now (0 = nobody); of the others, even ids are due for part 1 in about a year and
 * odd ids are caught up (read every part: next_part = partCount + 1, due_at NULL).
 */
function seedMixedSql(count: number, now: number, partCount: number, dueEvery: number) {
  const due = dueEvery > 0 ? `id % ${dueEvery} = 0` : "0";
  return `${seedSubscribersSql(count, now)};
    INSERT INTO subscriptions (subscriber_id, series, status, next_part, due_at, last_sent_at, created_at, updated_at)
    SELECT id, '${SERIES}', 'active',
      CASE WHEN ${due} THEN 1 WHEN id % 2 = 0 THEN 1 ELSE ${partCount + 1} END,
      CASE WHEN ${due} THEN ${now - DAY_MS} + id WHEN id % 2 = 0 THEN ${now + 365 * DAY_MS} + id ELSE NULL END,
      CASE WHEN ${due} OR id % 2 = 0 THEN NULL ELSE ${now - 7 * DAY_MS} END,
      ${now}, ${now} FROM subscribers`;
}

// ---------------------------------------------------------------------------------------------------------
// Worker + mock

interface Env {
  mock: MockResend;
  timing: ReturnType<typeof trackProviderCalls>;
  template: string;
  tmp: string;
  /** wrangler config of the bundled profile worker (built on first use). */
  profileConfig?: string;
}

async function withWorker<T>(
  env: Env,
  label: string,
  seedSql: string,
  vars: { concurrency: number; batchesPerRun: number; profile?: boolean },
  body: (worker: LocalWorker, persistTo: string) => Promise<T>,
): Promise<{ value: T; persistTo: string; seedS: number; startS: number }> {
  const persistTo = path.join(env.tmp, label);
  rmSync(persistTo, { recursive: true, force: true });
  cpSync(env.template, persistTo, { recursive: true });
  const [, seedS] = timed(() => executeLocalSql(seedSql, persistTo));
  const port = await freePort();
  const t0 = performance.now();
  const workerVars = {
    RESEND_API_KEY: "re_bench",
    RESEND_BASE_URL: env.mock.url,
    PROVIDER_RPS: "0",
    SEND_BATCHES_PER_RUN: String(vars.batchesPerRun),
    SEND_CONCURRENCY: String(vars.concurrency),
    ADMIN_TOKEN,
    SIGNING_SECRET,
    PUBLIC_URL: `http://127.0.0.1:${port}`,
    TURNSTILE_SECRET: "",
  };
  const worker = vars.profile
    ? await startProfileWorker({ root, config: env.profileConfig!, port, persistTo, vars: workerVars, verbose: opts.verbose })
    : await startLocalWorker({ port, persistTo, verbose: opts.verbose, vars: workerVars });
  const startS = (performance.now() - t0) / 1000;
  const stop = () => worker.stop();
  cleanups.add(stop);
  try {
    return { value: await body(worker, persistTo), persistTo, seedS, startS };
  } finally {
    cleanups.delete(stop);
    await worker.stop();
  }
}

async function postSend(worker: LocalWorker): Promise<CycleSummary> {
  const res = await fetch(`${worker.url}/admin/api/send`, {
    method: "POST",
    headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "application/json" },
    body: "{}",
    signal: AbortSignal.timeout(5 * 60_000),
  });
  const text = await res.text();
  if (!res.ok) throw new CheckFailed(`POST /admin/api/send answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as CycleSummary;
}

interface SendRun {
  summaries: CycleSummary[];
  total: CycleSummary;
  seconds: number;
  provider: ProviderTiming;
  /** otherS: CPU the rest of the machine (other people's tests…) used meanwhile: noise in the measurement. */
  cpu: CpuDelta & { mockS: number; otherS: number };
}

function addSummaries(summaries: CycleSummary[]): CycleSummary {
  const total = structuredClone(summaries[0]!);
  for (const s of summaries.slice(1)) {
    for (const key of ["due", "sent", "deferred", "failed", "retrying", "queued", "recovered", "providerRequests"] as const) {
      total[key] += s[key];
    }
    total.rateLimited ||= s.rateLimited;
    for (const [part, count] of Object.entries(s.perPart)) total.perPart[part] = (total.perPart[part] ?? 0) + count;
    total.d1.statements += s.d1.statements;
    total.d1.rowsRead += s.d1.rowsRead;
    total.d1.rowsWritten += s.d1.rowsWritten;
  }
  return total;
}

/**
 * POSTs /admin/api/send; again only while the previous cycle used its whole budget (so more may be due) and
 * fewer than `expected` were sent. Only the send calls are timed.
 */
async function sendUntilDone(env: Env, worker: LocalWorker, expected: number, budget: number): Promise<SendRun> {
  env.timing.reset();
  const summaries: CycleSummary[] = [];
  let seconds = 0;
  const cpuBefore = sampleGroupCpu(worker.process.pid!);
  const mockBefore = process.cpuUsage();
  const machineBefore = machineBusySeconds();
  const windowStart = performance.now();
  for (let call = 0; call < 100; call++) {
    const t0 = performance.now();
    const summary = await postSend(worker);
    seconds += (performance.now() - t0) / 1000;
    summaries.push(summary);
    check(summary.mailer === "resend", `the worker used the "${summary.mailer}" mailer, not resend (vars not applied?)`);
    check(summary.failed === 0 && summary.retrying === 0 && !summary.rateLimited,
      `provider trouble: failed ${summary.failed}, retrying ${summary.retrying}, rateLimited ${summary.rateLimited}`);
    const sentSoFar = summaries.reduce((a, s) => a + s.sent, 0);
    if (sentSoFar >= expected || summary.providerRequests < budget || summary.sent === 0) break;
  }
  const windowEnd = performance.now();
  const mockCpu = process.cpuUsage(mockBefore);
  const cpu = cpuDelta(cpuBefore, sampleGroupCpu(worker.process.pid!));
  const mockS = (mockCpu.user + mockCpu.system) / 1e6;
  const ours = Object.values(cpu.byProcess).reduce((a, b) => a + b, 0) + mockS;
  const otherS = Math.max(0, machineBusySeconds() - machineBefore - ours);
  return {
    summaries,
    total: addSummaries(summaries),
    seconds,
    provider: env.timing.summary(windowStart, windowEnd),
    cpu: { ...cpu, mockS, otherS },
  };
}

interface Accepted {
  id: string;
  key: string | null;
  to: string;
  subject: string;
}

async function mockState(mock: MockResend) {
  const stats = (await (await fetch(`${mock.url}/__stats`)).json()) as {
    requests: number;
    batchRequests: number;
    replays: number;
    conflicts: number;
  };
  const sent = (await (await fetch(`${mock.url}/__sent`)).json()) as Accepted[];
  return { stats, sent };
}

const resetMock = async (mock: MockResend) => {
  const res = await fetch(`${mock.url}/__reset`, { method: "POST" });
  check(res.ok, "mock reset failed");
};

// ---------------------------------------------------------------------------------------------------------
// Scenarios

/**
 * `wrangler dev` rebuilds and restarts the worker when a source file changes; other people edit worker/ while
 * this runs, and a restart under the send request answers 503. Such a run is void: start the scenario again on a
 * fresh database (twice at most).
 */
async function retryOnRestart<T>(label: string, fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      const restarted = error instanceof Error && /restarted mid-request/i.test(error.message);
      if (!restarted || attempt >= 3) throw error;
      log(`  (${label}: the worker restarted mid-request because a source file changed; running it again)`);
      restarts += 1;
    }
  }
}
let restarts = 0;

/** A fingerprint of the code under test, to say when it changed during the run. */
function codeFingerprint() {
  const hash = createHash("sha256");
  for (const dir of ["worker/delivery", "worker/content", "worker/mail"]) {
    for (const file of readdirSync(path.join(root, dir)).sort()) {
      const full = path.join(root, dir, file);
      if (statSync(full).isFile()) hash.update(file).update(readFileSync(full));
    }
  }
  return hash.digest("hex").slice(0, 12);
}

interface AllDueResult {
  concurrency: number;
  emails: number;
  seconds: number;
  emailsPerS: number;
  cycles: number;
  providerRequests: number;
  summaryProviderRequests: number;
  d1: CycleSummary["d1"];
  renders: number;
  partsRendered: number;
  provider: ProviderTiming;
  cpu: SendRun["cpu"];
  seedS: number;
  startS: number;
}

async function runAllDue(env: Env, concurrency: number, attempt: number): Promise<AllDueResult> {
  const now = Date.now();
  const budget = Math.min(10_000, Math.ceil(N / 100) + 10);
  await resetMock(env.mock);
  const { value: run, persistTo, seedS, startS } = await withWorker(
    env,
    `all-due-c${concurrency}-${attempt}`,
    seedAllDueSql(N, now),
    { concurrency, batchesPerRun: budget },
    (worker) => sendUntilDone(env, worker, N, budget),
  );
  const { stats, sent } = await mockState(env.mock);

  // The provider's view: N emails, N distinct readers, one call per batch, no replay or conflict.
  check(run.total.sent === N, `summaries say ${run.total.sent} sent, expected ${N}`);
  check(sent.length === N, `the mock accepted ${sent.length} emails, expected ${N}`);
  check(new Set(sent.map((e) => e.to)).size === N, "the mock got the same reader twice");
  check(stats.conflicts === 0 && stats.replays === 0, `mock replays ${stats.replays}, conflicts ${stats.conflicts}`);
  check(new Set(sent.map((e) => e.key)).size === stats.batchRequests, "idempotency keys are not one per batch call");

  // D1's view, read after wrangler dev stopped.
  const after = Date.now();
  const [counts, ids] = queryLocalJson<Record<string, number>>(
    `SELECT
       (SELECT count(*) FROM subscriptions) AS subscriptions,
       (SELECT count(*) FROM subscriptions WHERE next_part = 2 AND batch_id IS NULL AND last_sent_at IS NOT NULL) AS advanced,
       (SELECT count(*) FROM subscriptions WHERE batch_id IS NOT NULL) AS claimed,
       (SELECT count(*) FROM subscriptions WHERE status = 'active' AND due_at IS NOT NULL AND due_at <= ${after}) AS still_due,
       (SELECT count(*) FROM deliveries) AS deliveries,
       (SELECT count(*) FROM deliveries WHERE status = 'sent' AND provider_message_id IS NOT NULL) AS sent,
       (SELECT count(DISTINCT subscription_id) FROM deliveries) AS readers,
       (SELECT count(*) FROM batches) AS batches,
       (SELECT count(*) FROM batches WHERE status = 'sent') AS batches_sent;
     SELECT provider_message_id AS id FROM deliveries`,
    persistTo,
  ) as [Record<string, number>[], { id: string }[]];
  const c = counts[0]!;
  check(c.subscriptions === N, `D1: ${c.subscriptions} subscriptions, expected ${N}`);
  check(c.advanced === N, `D1: ${c.advanced} subscriptions at next_part = 2, expected ${N}`);
  check(c.claimed === 0, `D1: ${c.claimed} subscriptions still claimed`);
  check(c.still_due === 0, `D1: ${c.still_due} subscriptions still due`);
  check(c.deliveries === N && c.sent === N && c.readers === N,
    `D1: deliveries ${c.deliveries}, sent ${c.sent}, distinct readers ${c.readers}, expected ${N} each`);
  check(c.batches === stats.batchRequests && c.batches_sent === c.batches,
    `D1: batches ${c.batches} (sent ${c.batches_sent}), provider calls ${stats.batchRequests}`);
  const mockIds = new Set(sent.map((e) => e.id));
  check((ids as unknown as { id: string }[]).every((row) => mockIds.has(row.id)), "D1 holds provider ids the mock never issued");

  return {
    concurrency,
    emails: run.total.sent,
    seconds: run.seconds,
    emailsPerS: run.total.sent / run.seconds,
    cycles: run.summaries.length,
    providerRequests: stats.batchRequests,
    summaryProviderRequests: run.total.providerRequests,
    d1: run.total.d1,
    renders: new Set(sent.map((e) => e.subject)).size,
    partsRendered: Object.keys(run.total.perPart).length,
    provider: run.provider,
    cpu: run.cpu,
    seedS,
    startS,
  };
}

async function runSparse(env: Env, partCount: number, concurrency: number) {
  const now = Date.now();
  const due = Math.floor(SPARSE_N / 100);
  const budget = Math.min(10_000, Math.ceil(due / 100) + 10);
  await resetMock(env.mock);
  const { value: run, persistTo, seedS } = await withWorker(
    env,
    "sparse",
    seedMixedSql(SPARSE_N, now, partCount, 100),
    { concurrency, batchesPerRun: budget },
    (worker) => sendUntilDone(env, worker, due, budget),
  );
  const { stats, sent } = await mockState(env.mock);
  check(run.total.sent === due, `sparse: ${run.total.sent} sent, expected ${due}`);
  check(sent.length === due && new Set(sent.map((e) => e.to)).size === due, `sparse: the mock accepted ${sent.length}`);
  const [rows] = queryLocalJson<Record<string, number>>(
    `SELECT (SELECT count(*) FROM deliveries WHERE status = 'sent') AS sent,
            (SELECT count(*) FROM deliveries d JOIN subscriptions s ON s.id = d.subscription_id WHERE s.subscriber_id % 100 != 0) AS wrong`,
    persistTo,
  );
  check(rows![0]!.sent === due && rows![0]!.wrong === 0, `sparse: D1 deliveries ${JSON.stringify(rows![0])}`);
  return {
    subscribers: SPARSE_N,
    emails: run.total.sent,
    seconds: run.seconds,
    cycles: run.summaries.length,
    providerRequests: stats.batchRequests,
    d1: run.total.d1,
    rowsReadPerEmail: run.total.d1.rowsRead / Math.max(1, run.total.sent),
    seedS,
  };
}

async function runIdle(env: Env, partCount: number, concurrency: number) {
  const now = Date.now();
  await resetMock(env.mock);
  const { value, seedS } = await withWorker(
    env,
    "idle",
    seedMixedSql(IDLE_N, now, partCount, 0),
    { concurrency, batchesPerRun: 40 },
    async (worker) => {
      const warmup = await postSend(worker);
      const t0 = performance.now();
      const measured = await postSend(worker);
      return { warmup, measured, seconds: (performance.now() - t0) / 1000 };
    },
  );
  const { stats } = await mockState(env.mock);
  check(value.warmup.sent === 0 && value.measured.sent === 0 && stats.requests === 0, "idle: something was sent");
  check(value.measured.mailer === "resend", `idle: mailer ${value.measured.mailer}`);
  return {
    subscribers: IDLE_N,
    warmupD1: value.warmup.d1,
    d1: value.measured.d1,
    rowsRead: value.measured.d1.rowsRead,
    seconds: value.seconds,
    seedS,
  };
}

/**
 * The same cycle through scripts/bench/profile-worker.ts: statement-level D1 rows and time, provider time and
 * templateStats.compiles. All due at concurrency 1 (no overlap, so wall = D1 + provider + JS); then the sparse
 * mix at the chosen concurrency, and again on the same database once nothing is due (= idle after a warm-up).
 */
async function runProfile(env: Env, partCount: number, concurrency: number) {
  env.profileConfig ??= bundleProfileWorker(root, path.join(env.tmp, "profile-worker"));
  const budget = Math.min(10_000, Math.ceil(N / 100) + 10);
  await resetMock(env.mock);
  const { value: allDue } = await withWorker(env, "profile-all-due", seedAllDueSql(N, Date.now()),
    { concurrency: 1, batchesPerRun: budget, profile: true }, (worker) => profileCycle(worker, 1));
  check(allDue.summary.sent === N, `profile: all due sent ${allDue.summary.sent}, expected ${N}`);
  // What-if at the chosen concurrency, against the same cycle in the same harness, alternated (A B A B): the
  // provider body's serialization taken out.
  const whatIf: { real: number[]; prebuilt: number[] } = { real: [], prebuilt: [] };
  for (let round = 0; round < 2; round++) {
    for (const variant of ["real", "prebuilt"] as const) {
      await resetMock(env.mock);
      const { value } = await withWorker(env, `profile-${variant}-${round}`, seedAllDueSql(N, Date.now()),
        { concurrency, batchesPerRun: budget, profile: true },
        (worker) => profileCycle(worker, concurrency, { split: false, whatIf: variant === "prebuilt" ? "prebuilt-body" : undefined }));
      check(value.summary.sent === N, `profile: ${variant} sent ${value.summary.sent}, expected ${N}`);
      whatIf[variant].push((value.summary.sent * 1000) / value.wallMs);
    }
  }
  await resetMock(env.mock);
  const due = Math.floor(SPARSE_N / 100);
  const { value: [sparse, idle] } = await withWorker(env, "profile-sparse", seedMixedSql(SPARSE_N, Date.now(), partCount, 100),
    { concurrency, batchesPerRun: Math.ceil(due / 100) + 10, profile: true },
    async (worker) => [await profileCycle(worker, concurrency), await profileCycle(worker, concurrency)] as const);
  check(sparse.summary.sent === due && idle.summary.sent === 0, `profile: sparse sent ${sparse.summary.sent}, then ${idle.summary.sent}`);
  return { allDue, whatIf, sparse, idle };
}

function describeTimeSplit(p: Profile) {
  const other = p.wallMs - p.d1Ms - p.mailerMs;
  const pct = (ms: number) => `${fmt((100 * ms) / p.wallMs)} %`;
  const sent = Math.max(1, p.summary.sent);
  const txn = Object.entries(p.groups)
    .filter(([, g]) => g.calls > 1)
    .map(([key, g]) => `      ${key}: ${g.calls} × ${fmt(g.ms / g.calls, 1)} ms`)
    .join("\n");
  return [
    `    wall ${fmt(p.wallMs)} ms (${fmt((sent * 1000) / p.wallMs)} emails/s at c=1) = D1 ${fmt(p.d1Ms)} ms (${pct(p.d1Ms)}) ` +
      `+ provider calls ${fmt(p.mailerMs)} ms (${pct(p.mailerMs)}, ${fmt(p.mailerMs / Math.max(1, p.mailerCalls), 1)} ms each) ` +
      `+ JS in between (compose, JSON, scheduling) ${fmt(other)} ms (${pct(other)}); per email: D1 ${fmt((1000 * p.d1Ms) / sent)} µs, ` +
      `provider ${fmt((1000 * p.mailerMs) / sent)} µs, JS ${fmt((1000 * other) / sent)} µs`,
    `    templateStats.compiles during the cycle: ${p.templateCompiles} (a warm isolate compiles each template string once)`,
    `    D1 transactions:`,
    txn,
  ].join("\n");
}

// ---------------------------------------------------------------------------------------------------------

function versions() {
  const wrangler = spawnSync("npx", ["wrangler", "--version"], { encoding: "utf8", env: { ...process.env, WRANGLER_SEND_METRICS: "false" } });
  return { node: process.version, wrangler: (wrangler.stdout.match(/\d+\.\d+\.\d+/) ?? ["unknown"])[0] };
}

function ensureCatalog(): number {
  const file = path.join(root, "emails/dist/catalog.json");
  if (!existsSync(file)) {
    log("emails/dist/catalog.json is missing: building it (npm run build:emails)…");
    const build = spawnSync("npx", ["tsx", "scripts/build-emails.tsx"], { stdio: "inherit" });
    check(build.status === 0, "building the email catalog failed");
  }
  const catalog = JSON.parse(readFileSync(file, "utf8")) as { series: { slug: string; parts: unknown[] }[] };
  const series = catalog.series.find((s) => s.slug === SERIES);
  check(series !== undefined && series.parts.length > 0, `the catalog has no series ${SERIES} with parts`);
  return series.parts.length;
}

function describeAllDue(r: AllDueResult) {
  const wall = r.seconds * 1000;
  const p = r.provider;
  const cpu = Object.entries(r.cpu.byProcess).map(([name, s]) => `${name} ${fmt(s, 2)} s`).join(", ");
  const threads = r.cpu.topThreads.map((t) => `${t.name} ${fmt(t.seconds, 2)} s`).join(", ");
  return [
    `  c=${r.concurrency}: ${fmt(r.emails)} emails in ${fmt(r.seconds, 2)} s = ${fmt(r.emailsPerS)} emails/s ` +
      `(${r.cycles} cycle${r.cycles === 1 ? "" : "s"}, ${r.providerRequests} provider calls, D1 ${fmt(r.d1.statements)} statements, ` +
      `${fmt(r.d1.rowsRead)} rows read, ${fmt(r.d1.rowsWritten)} written; seed ${fmt(r.seedS, 1)} s, wrangler up ${fmt(r.startS, 1)} s)`,
    `        provider calls (as the mock sees them): mean ${fmt(p.meanMs, 1)} ms, p50 ${fmt(p.p50Ms, 1)}, max ${fmt(p.maxMs, 1)}, ` +
      `${fmt(p.meanRequestKiB)} KiB each, up to ${p.maxInFlight} in flight; open ${fmt((100 * p.busyMs) / wall)} % of the wall time; ` +
      `first call after ${fmt(p.beforeFirstMs)} ms, last answer ${fmt(p.afterLastMs)} ms before the end`,
    `        CPU during the send: ${cpu || "n/a"}; mock (bench process) ${fmt(r.cpu.mockS, 2)} s; busiest threads: ${threads || "n/a"}; ` +
      `other processes on the machine ${fmt(r.cpu.otherS, 2)} s${r.cpu.otherS > 0.25 * r.seconds ? " (NOISY: others were busy)" : ""}`,
  ].join("\n");
}

async function main() {
  const started = performance.now();
  const partCount = ensureCatalog();
  const codeAtStart = codeFingerprint();
  const v = versions();
  log(`nextpart bench: node ${v.node}, wrangler ${v.wrangler}; n=${N}, sparse-n=${SPARSE_N}, idle-n=${IDLE_N}, ` +
    `concurrency ${CONCURRENCIES.join("/")}, scenarios ${[...SCENARIOS].join(",")}`);

  const tmp = mkdtempSync(path.join(TMP_PARENT, "nextpart-bench-"));
  cleanups.add(() => rmSync(tmp, { recursive: true, force: true }));
  // Runs before the temp dir goes: any wrangler of ours still alive (e.g. one that was starting when a signal
  // came, before we had its handle) is found by our unique dir in its command line and stopped by group id.
  cleanups.add(async () => {
    for (const group of processGroupsMentioning(tmp)) {
      try {
        process.kill(-group, "SIGTERM");
      } catch {
        /* gone */
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  });
  const template = path.join(tmp, "template");
  const [, migrateS] = timed(() => applyLocalMigrations(template));
  log(`migrated a template database in ${fmt(migrateS, 1)} s; local D1 state under ${tmp}`);

  const mock = await startMockResend(0, { keepBodies: false });
  cleanups.add(() => mock.close());
  const timing = trackProviderCalls(mock.port);
  cleanups.add(() => timing.dispose());
  const env: Env = { mock, timing, template, tmp };

  // JS cost per email of the worker's compose code, in Node (same V8): the CPU floor of the cycle.
  const compose = await measureCompose(Math.min(N, 5000), SERIES, SIGNING_SECRET);
  log(`compose (worker/delivery/compose.ts in Node): ${fmt(compose.composeUsPerEmail, 1)} µs/email + JSON body ` +
    `${fmt(compose.stringifyUsPerEmail, 1)} µs/email, ${fmt(compose.bytesPerEmail)} bytes/email, ` +
    `${compose.templateCompiles} template compiles for ${fmt(compose.emails)} emails`);

  const allDue: AllDueResult[] = [];
  if (SCENARIOS.has("all")) {
    log(`\nall due: ${fmt(N)} readers due for part 1`);
    for (const concurrency of CONCURRENCIES) {
      for (let attempt = 1; attempt <= REPEAT; attempt++) {
        const result = await retryOnRestart(`all due c=${concurrency}`, () => runAllDue(env, concurrency, attempt));
        allDue.push(result);
        log(describeAllDue(result));
      }
    }
  }
  const best = allDue.reduce<AllDueResult | null>((a, r) => (!a || r.emailsPerS > a.emailsPerS ? r : a), null);
  const concurrency = best?.concurrency ?? CONCURRENCIES[0]!;
  if (best) log(`  best: SEND_CONCURRENCY=${best.concurrency} (${fmt(best.emailsPerS)} emails/s)`);

  let sparse: Awaited<ReturnType<typeof runSparse>> | null = null;
  if (SCENARIOS.has("sparse")) {
    log(`\nsparse: ${fmt(SPARSE_N)} readers, 1 % due (others due in a year or caught up), SEND_CONCURRENCY=${concurrency}`);
    sparse = await retryOnRestart("sparse", () => runSparse(env, partCount, concurrency));
    log(`  ${fmt(sparse.emails)} emails in ${fmt(sparse.seconds, 2)} s; D1 ${fmt(sparse.d1.statements)} statements, ` +
      `${fmt(sparse.d1.rowsRead)} rows read, ${fmt(sparse.d1.rowsWritten)} written = ${fmt(sparse.rowsReadPerEmail, 2)} rows read/email ` +
      `(seed ${fmt(sparse.seedS, 1)} s)`);
    if (best) {
      const dense = best.d1.rowsRead / best.emails;
      log(`  vs all due: ${fmt(dense, 2)} rows read/email there, so the ${fmt(SPARSE_N - sparse.emails)} readers not due ` +
        `cost ${fmt(Math.max(0, sparse.d1.rowsRead - dense * sparse.emails))} extra rows (${sparse.rowsReadPerEmail <= dense * 1.1 ? "none to speak of: no scan" : "a scan?"})`);
    }
  }

  let idle: Awaited<ReturnType<typeof runIdle>> | null = null;
  if (SCENARIOS.has("idle")) {
    log(`\nidle: ${fmt(IDLE_N)} readers, nobody due; one warm-up cycle, then the measured one`);
    idle = await retryOnRestart("idle", () => runIdle(env, partCount, concurrency));
    log(`  warm-up: ${idle.warmupD1.statements} statements, ${fmt(idle.warmupD1.rowsRead)} rows read, ${idle.warmupD1.rowsWritten} written`);
    log(`  measured: ${idle.d1.statements} statements, ${fmt(idle.d1.rowsRead)} rows read, ${idle.d1.rowsWritten} written ` +
      `in ${fmt(idle.seconds * 1000)} ms (seed ${fmt(idle.seedS, 1)} s)`);
  }

  let profile: Awaited<ReturnType<typeof runProfile>> | null = null;
  if (SCENARIOS.has("profile")) {
    log(`\nprofile (the same cycle, instrumented: scripts/bench/profile-worker.ts)`);
    profile = await retryOnRestart("profile", () => runProfile(env, partCount, concurrency));
    log(`  all due, ${fmt(N)} readers, SEND_CONCURRENCY=1:`);
    log(describeTimeSplit(profile.allDue));
    log(`    rows per statement:`);
    log(describeProfile(profile.allDue, profile.allDue.summary.sent));
    log(`  what-if, SEND_CONCURRENCY=${concurrency}, alternated: real mailer ${profile.whatIf.real.map((r) => fmt(r)).join(" / ")} emails/s; ` +
      `provider body pre-serialized once (no per-email JSON.stringify + UTF-8) ${profile.whatIf.prebuilt.map((r) => fmt(r)).join(" / ")} emails/s`);
    log(`  sparse (${fmt(SPARSE_N)} readers, ${fmt(profile.sparse.summary.sent)} due), SEND_CONCURRENCY=${concurrency}: ` +
      `${profile.sparse.summary.d1.statements} statements, ${fmt(profile.sparse.summary.d1.rowsRead)} rows read`);
    log(describeProfile(profile.sparse, profile.sparse.summary.sent));
    log(`  idle (same database, nothing due any more), SEND_CONCURRENCY=${concurrency}: ` +
      `${profile.idle.summary.d1.statements} statements, ${fmt(profile.idle.summary.d1.rowsRead)} rows read`);
    log(describeProfile(profile.idle, 0));
  }

  const verdicts: Record<string, "PASS" | "MISS" | "n/a"> = {
    emails_per_s: best ? (best.emailsPerS >= TARGETS.emailsPerS ? "PASS" : "MISS") : "n/a",
    provider_requests: best ? (best.providerRequests <= N / 100 + 1 ? "PASS" : "MISS") : "n/a",
    sparse_rows_read_per_email: sparse ? (sparse.rowsReadPerEmail <= TARGETS.sparseRowsReadPerEmail ? "PASS" : "MISS") : "n/a",
    idle_rows_read: idle ? (idle.rowsRead <= TARGETS.idleRowsRead ? "PASS" : "MISS") : "n/a",
  };
  log(`\ntargets (this machine: 2 cores):`);
  log(`  ${verdicts.emails_per_s}  emails_per_s ${best ? fmt(best.emailsPerS) : "-"} ≥ ${TARGETS.emailsPerS}`);
  log(`  ${verdicts.provider_requests}  provider_requests ${best?.providerRequests ?? "-"} ≤ N/100 + 1 = ${Math.floor(N / 100 + 1)}`);
  log(`  ${verdicts.sparse_rows_read_per_email}  sparse_rows_read_per_email ${sparse ? fmt(sparse.rowsReadPerEmail, 2) : "-"} ≤ ${TARGETS.sparseRowsReadPerEmail}`);
  log(`  ${verdicts.idle_rows_read}  idle_rows_read ${idle?.rowsRead ?? "-"} ≤ ${TARGETS.idleRowsRead}`);
  if (best) {
    log(`  renders: ${best.renders} distinct subject(s) at the provider (upper bound of templates used), ` +
      `${best.partsRendered} distinct part(s); templateStats.compiles (not exposed over HTTP) = ` +
      `${profile ? `${profile.allDue.templateCompiles} in the profiled cycle` : "n/a (run the profile scenario)"}`);
  }
  const codeAtEnd = codeFingerprint();
  if (codeAtEnd !== codeAtStart || restarts > 0) {
    log(`NOTE: worker/ changed during the run (fingerprint ${codeAtStart} → ${codeAtEnd}, ${restarts} restart(s)): ` +
      `scenarios may have measured different versions of the code`);
  }
  log(`total bench time ${fmt((performance.now() - started) / 1000, 1)} s`);

  const result = {
    emails: best?.emails ?? null,
    seconds: best ? Number(best.seconds.toFixed(3)) : null,
    emails_per_s: best ? Math.round(best.emailsPerS) : null,
    provider_requests: best?.providerRequests ?? null,
    d1_statements: best?.d1.statements ?? null,
    rows_read: best?.d1.rowsRead ?? null,
    rows_written: best?.d1.rowsWritten ?? null,
    renders: best?.renders ?? null,
    parts_rendered: best?.partsRendered ?? null,
    sparse_rows_read_per_email: sparse ? Number(sparse.rowsReadPerEmail.toFixed(3)) : null,
    sparse_emails: sparse?.emails ?? null,
    sparse_rows_read: sparse?.d1.rowsRead ?? null,
    idle_rows_read: idle?.rowsRead ?? null,
    idle_d1_statements: idle?.d1.statements ?? null,
    n: N,
    sparse_n: SPARSE_N,
    idle_n: IDLE_N,
    concurrency,
    by_concurrency: Object.fromEntries(
      CONCURRENCIES.map((c) => [c, allDue.filter((r) => r.concurrency === c).map((r) => Math.round(r.emailsPerS))]),
    ),
    provider_busy_pct: best ? Math.round((100 * best.provider.busyMs) / (best.seconds * 1000)) : null,
    provider_mean_ms: best ? Number(best.provider.meanMs.toFixed(1)) : null,
    cpu_s: best ? Object.fromEntries(Object.entries({ ...best.cpu.byProcess, mock: best.cpu.mockS, others: best.cpu.otherS }).map(([k, s]) => [k, Number(s.toFixed(2))])) : null,
    compose_us_per_email: Number(compose.composeUsPerEmail.toFixed(1)),
    template_compiles: profile?.allDue.templateCompiles ?? null,
    whatif_emails_per_s: profile
      ? { real: profile.whatIf.real.map(Math.round), prebuilt_body: profile.whatIf.prebuilt.map(Math.round) }
      : null,
    time_split_c1_ms: profile
      ? {
          wall: Math.round(profile.allDue.wallMs),
          d1: Math.round(profile.allDue.d1Ms),
          provider: Math.round(profile.allDue.mailerMs),
          js: Math.round(profile.allDue.wallMs - profile.allDue.d1Ms - profile.allDue.mailerMs),
        }
      : null,
    json_us_per_email: Number(compose.stringifyUsPerEmail.toFixed(1)),
    targets: verdicts,
    persist_dir: TMP_PARENT,
    code: codeAtEnd,
    code_changed_during_run: codeAtEnd !== codeAtStart || restarts > 0,
    node: v.node,
    wrangler: v.wrangler,
  };
  if (opts.out) writeFileSync(opts.out, JSON.stringify({ ...result, allDue, sparse, idle, compose, profile }, null, 2));
  console.log(JSON.stringify(result));
  return Object.values(verdicts).includes("MISS") && opts.strict ? 1 : 0;
}

let code = 1;
try {
  code = await main();
} catch (error) {
  // After a timeout or a signal, what fails next is the consequence of stopping: not worth a stack trace.
  if (!stopping) console.error(error instanceof CheckFailed ? error.message : error);
  code = 1;
} finally {
  clearTimeout(overall);
  await cleanupAll();
}
process.exit(code);

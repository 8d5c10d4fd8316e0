/**
 * `npm run bench:import`: a CSV import end to end on the local Worker (`wrangler dev` on 127.0.0.1, local D1 and
 * queues in a temp dir). Posts --rows rows (half with stated consent), then polls GET /admin/api/imports/:id until
 * the import queue's consumer has processed every chunk. Prints the request's time, the time to done and rows/s,
 * then one JSON line. Exit code 1 when the job does not finish with every row imported.
 *
 * Options: --rows 50000  --timeout 600 (seconds)
 */
import { parseArgs } from "node:util";
import { applyLocalMigrations, freePort, scratchWorker } from "./local-worker";

const { values: opts } = parseArgs({
  options: { rows: { type: "string", default: "50000" }, timeout: { type: "string", default: "600" } },
});
const ROWS = Number(opts.rows);
const ADMIN_TOKEN = "bench-import-admin-token-0123456789abcdef";

function csv(rows: number): string {
  const lines = ["email,name,timezone,series,consented_at,consent_source"];
  for (let i = 1; i <= rows; i++) {
    lines.push(
      `reader${i}@bench.example,Reader ${i},Europe/Berlin,,${i % 2 ? "2026-03-01T10:00:00Z,bench list" : ","}`,
    );
  }
  return lines.join("\r\n");
}

interface Job {
  id: string;
  status: string;
  total: number;
  processed: number;
  active: number;
  pending: number;
  skipped: number;
}

const scratch = scratchWorker("nextpart-bench-import-");
const tmp = scratch.dir;

try {
  applyLocalMigrations(tmp);
  const port = await freePort();
  const worker = await scratch.start({
    port,
    vars: {
      SIGNING_KEYS: "k1:bench-import-signing-secret-0123456789",
      HASH_SECRET: "bench-import-hash-secret-0123456789",
      ADMIN_TOKEN,
      PUBLIC_URL: `http://127.0.0.1:${port}`,
    },
  });
  const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
  const body = csv(ROWS);

  const t0 = performance.now();
  const res = await fetch(`${worker.url}/admin/api/subscribers/import`, {
    method: "POST",
    headers: { ...auth, "content-type": "text/csv" },
    body,
  });
  const requestMs = performance.now() - t0;
  if (res.status !== 202) throw new Error(`import answered ${res.status}: ${await res.text()}`);
  let { job } = (await res.json()) as { job: Job };

  const deadline = Date.now() + Number(opts.timeout) * 1000;
  while (job.status !== "done" && job.status !== "failed" && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    job = (await (await fetch(`${worker.url}/admin/api/imports/${job.id}`, { headers: auth })).json()) as Job;
  }
  const doneMs = performance.now() - t0;
  const ok = job.status === "done" && job.active + job.pending === ROWS;

  console.log(
    `\n${ROWS} rows, ${(body.length / 1024 / 1024).toFixed(1)} MB: request ${requestMs.toFixed(0)} ms, done after ${(doneMs / 1000).toFixed(1)} s`,
  );
  console.log(`job: ${JSON.stringify(job)}\n`);
  console.log(
    JSON.stringify({
      rows: ROWS,
      bytes: body.length,
      request_ms: Math.round(requestMs),
      done_ms: Math.round(doneMs),
      rows_per_s: Math.round(ROWS / (doneMs / 1000)),
      status: job.status,
      active: job.active,
      pending: job.pending,
      skipped: job.skipped,
    }),
  );
  process.exitCode = ok ? 0 : 1;
} finally {
  await scratch.cleanUp();
}

import { randomBytes } from "node:crypto";
import { chmodSync, copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { applyLocalMigrations, isPortFree, startLocalWorker, type LocalWorker } from "./local-worker";

/**
 * `npm start`: everything local on an embedded default. Creates .dev.vars with random secrets, builds the
 * emails, migrates local D1, serves on http://localhost:8787 and ticks the cron every TICK seconds so
 * confirmed readers see their part arrive in the outbox. Ctrl+C, SIGTERM and SIGHUP (terminal closed) stop
 * the wrangler dev it started; a port already taken is reported, never shared.
 */
const root = path.resolve(import.meta.dirname, "..");
const port = Number(process.env.PORT ?? 8787);
const tickSeconds = Number(process.env.NEXTPART_TICK_SECONDS ?? 10);

// Before any work: another server on the port would answer our readiness probe and our cron ticks.
if (!(await isPortFree(port))) {
  console.error(
    `Port ${port} is already in use (another npm start or wrangler dev?). Stop it, or run PORT=8788 npm start.`,
  );
  process.exit(1);
}

const devVars = path.join(root, ".dev.vars");
const secret = () => randomBytes(24).toString("base64url");
if (!existsSync(devVars)) {
  copyFileSync(path.join(root, ".dev.vars.example"), devVars);
  const filled = readFileSync(devVars, "utf8")
    .replace(/^ADMIN_TOKEN=.*$/m, `ADMIN_TOKEN=${secret()}`)
    .replace(/^SIGNING_KEYS=.*$/m, `SIGNING_KEYS=k1:${secret()}`)
    .replace(/^HASH_SECRET=.*$/m, `HASH_SECRET=${secret()}`);
  writeFileSync(devVars, filled);
  // copyFileSync created it with the example's mode: secrets are for this user only.
  chmodSync(devVars, 0o600);
  console.log(`Created ${devVars} with a random ADMIN_TOKEN, signing key (SIGNING_KEYS) and HASH_SECRET.`);
}

/** Sets NAME in .dev.vars when it is missing or empty (a .dev.vars made before NAME existed). */
function ensureDevVar(name: string, value: string, why: string) {
  const current = readFileSync(devVars, "utf8");
  if (new RegExp(`^${name}=\\S+`, "m").test(current)) return;
  const line = `${name}=${value}`;
  const pattern = new RegExp(`^${name}=.*$`, "m");
  writeFileSync(
    devVars,
    pattern.test(current) ? current.replace(pattern, line) : `${current.replace(/\n?$/, "\n")}${line}\n`,
    { mode: 0o600 },
  );
  console.log(`Added ${name} to ${devVars} (${why}).`);
}
// `npm run webhook` signs with this secret.
ensureDevVar("RESEND_WEBHOOK_SECRET", `whsec_${randomBytes(24).toString("base64")}`, "npm run webhook signs with it");
ensureDevVar("SIGNING_KEYS", `k1:${secret()}`, "the keys that sign links, with ids: kid:secret, newest first");
ensureDevVar("HASH_SECRET", secret(), "the key of every stored hash: erased addresses, IP, user agent");
const adminToken = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(devVars, "utf8"))?.[1] ?? "";

/** wrangler's output, but its bindings table once: it prints it again when the local server starts. */
function printOnce() {
  let tables = 0;
  let skipping = false;
  return (line: string) => {
    if (line.includes("Your Worker has access to the following bindings")) skipping = ++tables > 1;
    else if (skipping && !/^\s*(Binding\s|env\.|$)/.test(line)) skipping = false;
    if (!skipping) console.log(line);
  };
}

let starting: Promise<LocalWorker> | undefined;
let worker: LocalWorker | undefined;
let tick: NodeJS.Timeout | undefined;
let stopping = false;
async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  clearInterval(tick);
  // A signal while wrangler is still starting: wait for it, then stop it too.
  const started = worker ?? (await starting?.catch(() => undefined));
  await started?.stop().catch(() => {});
  process.exit(code);
}
// Ctrl+C, kill, and the terminal closing: each stops the wrangler dev we started (its whole process group).
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) process.on(signal, () => void shutdown(0));
// Last resort if we die another way: wrangler runs detached, so it would outlive us.
process.on("exit", () => {
  if (worker?.process.pid && worker.process.exitCode === null) {
    try {
      process.kill(-worker.process.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
});

console.log("Building emails…");
const build = spawnSync("npx", ["tsx", "scripts/build-emails.tsx"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
console.log("Applying local D1 migrations…");
applyLocalMigrations();

try {
  // A local run: the outbox instead of Resend, links to this machine.
  starting = startLocalWorker({
    port,
    onLine: printOnce(),
    vars: { LOCAL_OUTBOX: "1", PUBLIC_URL: `http://localhost:${port}` },
  });
  worker = await starting;
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
if (stopping) await new Promise(() => {}); // shutdown() is stopping it and will exit
worker.process.once("exit", (code) => {
  if (!stopping) console.error(`wrangler dev exited (code ${code}).`);
  void shutdown(code ?? 1);
});
tick = setInterval(() => {
  fetch(`${worker!.url}/__scheduled?cron=*+*+*+*+*`).catch(() => {});
}, tickSeconds * 1000);

console.log(`
  nextpart is running at http://localhost:${port}

  Subscribe:      http://localhost:${port}/
  Series index:   http://localhost:${port}/p/origins-of-lead-change
  Dashboard:      http://localhost:${port}/admin   (sign in with the admin token: ${adminToken})
  Outbox (mail):  http://localhost:${port}/admin/outbox
  Send now:       curl -X POST -H "Authorization: Bearer ${adminToken}" http://localhost:${port}/admin/api/send
  Stats:          curl -H "Authorization: Bearer ${adminToken}" http://localhost:${port}/admin/api/stats
  API reference:  http://localhost:${port}/admin/api/docs   (any user name; password: ${adminToken})
  Provider event: npm run webhook -- delivered <email>   (or opened, bounced, complained, …)
  Admin token:    in ${devVars}
  The cron runs every ${tickSeconds} s here (every minute once deployed). Ctrl+C stops.
`);

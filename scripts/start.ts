import { randomBytes } from "node:crypto";
import { copyFileSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { spawnSync } from "node:child_process";
import path from "node:path";
import { applyLocalMigrations, startLocalWorker } from "./local-worker";

/**
 * `npm start`: everything local on an embedded default. Creates .dev.vars with random secrets, builds the
 * emails, migrates local D1, serves on http://localhost:8787 and ticks the cron every TICK seconds so
 * confirmed readers see their part arrive in the outbox.
 */
const root = path.resolve(import.meta.dirname, "..");
const port = Number(process.env.PORT ?? 8787);
const tickSeconds = Number(process.env.NEXTPART_TICK_SECONDS ?? 10);

const devVars = path.join(root, ".dev.vars");
if (!existsSync(devVars)) {
  copyFileSync(path.join(root, ".dev.vars.example"), devVars);
  const secret = () => randomBytes(24).toString("base64url");
  const filled = readFileSync(devVars, "utf8")
    .replace(/^ADMIN_TOKEN=.*$/m, `ADMIN_TOKEN=${secret()}`)
    .replace(/^SIGNING_SECRET=.*$/m, `SIGNING_SECRET=${secret()}`);
  writeFileSync(devVars, filled, { mode: 0o600 });
  console.log(`Created ${devVars} with a random ADMIN_TOKEN and SIGNING_SECRET.`);
}
// Also for a .dev.vars made before webhooks existed: `npm run webhook` signs with this secret.
if (!/^RESEND_WEBHOOK_SECRET=\S+/m.test(readFileSync(devVars, "utf8"))) {
  const line = `RESEND_WEBHOOK_SECRET=whsec_${randomBytes(24).toString("base64")}`;
  const current = readFileSync(devVars, "utf8");
  const filled = /^RESEND_WEBHOOK_SECRET=.*$/m.test(current)
    ? current.replace(/^RESEND_WEBHOOK_SECRET=.*$/m, line)
    : `${current.replace(/\n?$/, "\n")}${line}\n`;
  writeFileSync(devVars, filled, { mode: 0o600 });
  console.log(`Added a local RESEND_WEBHOOK_SECRET to ${devVars}.`);
}
const adminToken = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(devVars, "utf8"))?.[1] ?? "";

console.log("Building emails…");
const build = spawnSync("npx", ["tsx", "scripts/build-emails.tsx"], { cwd: root, stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
console.log("Applying local D1 migrations…");
applyLocalMigrations();

const worker = await startLocalWorker({ port, verbose: true });
const tick = setInterval(() => {
  fetch(`${worker.url}/__scheduled?cron=*+*+*+*+*`).catch(() => {});
}, tickSeconds * 1000);

console.log(`
  nextpart is running at http://localhost:${port}

  Subscribe:      http://localhost:${port}/
  Series index:   http://localhost:${port}/p/origins-of-lead-change
  Outbox (mail):  http://localhost:${port}/admin/outbox   (any user name; password: ${adminToken})
  Send now:       curl -X POST -H "Authorization: Bearer ${adminToken}" http://localhost:${port}/admin/api/send
  Stats:          curl -H "Authorization: Bearer ${adminToken}" http://localhost:${port}/admin/api/stats
  Provider event: npm run webhook -- delivered <email>   (or opened, bounced, complained, …)
  Admin token:    in ${devVars}
  The cron runs every ${tickSeconds} s here (every minute once deployed). Ctrl+C stops.
`);

const shutdown = async () => {
  clearInterval(tick);
  await worker.stop();
  process.exit(0);
};
process.on("SIGINT", shutdown);
process.on("SIGTERM", shutdown);

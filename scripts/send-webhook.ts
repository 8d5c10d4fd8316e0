/**
 * `npm run webhook -- <event> <email> [--url http://localhost:8787]`: signs a sample Resend event with the local
 * RESEND_WEBHOOK_SECRET from .dev.vars (as Resend would, Svix scheme) and posts it to /webhooks/resend of the
 * local Worker (`npm start`). The event names the latest email that address received, read from local D1 (a part, or
 * else its confirmation email), so its delivery and part counters change, or a bounce suppresses an unconfirmed reader.
 *   event: delivered | delivery_delayed | opened | clicked | bounced | complained | failed | suppressed
 */
import { spawnSync } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { Webhook } from "standardwebhooks";

const EVENTS = ["delivered", "delivery_delayed", "opened", "clicked", "bounced", "complained", "failed", "suppressed"];
const root = path.resolve(import.meta.dirname, "..");

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { url: { type: "string", default: `http://localhost:${process.env.PORT ?? 8787}` } },
});
const [kind, email] = positionals;
const type = kind?.startsWith("email.") ? kind : `email.${kind}`;
if (!kind || !email || !EVENTS.includes(type.slice("email.".length))) {
  console.error(`usage: npm run webhook -- <${EVENTS.join("|")}> <email> [--url ${values.url}]`);
  process.exit(2);
}

const devVars = path.join(root, ".dev.vars");
const secret = existsSync(devVars)
  ? /^RESEND_WEBHOOK_SECRET=(\S+)$/m.exec(readFileSync(devVars, "utf8"))?.[1]
  : undefined;
if (!secret) {
  console.error(
    `No RESEND_WEBHOOK_SECRET in ${devVars}: run \`npm start\` once (it creates one), or add a whsec_… secret.`,
  );
  process.exit(1);
}

/** The provider id of the latest email sent to this address, from local D1 (the same state `npm start` uses). */
function latestMessageId(address: string): string | null {
  const quoted = `'${address.toLowerCase().replace(/'/g, "''")}'`;
  const sql = `SELECT coalesce(
    (SELECT provider_message_id FROM deliveries WHERE lower(to_email) = ${quoted} AND provider_message_id IS NOT NULL ORDER BY id DESC LIMIT 1),
    (SELECT c.provider_message_id FROM consents c JOIN subscribers s ON s.id = c.subscriber_id
      WHERE s.email_key = ${quoted} AND c.provider_message_id IS NOT NULL ORDER BY c.id DESC LIMIT 1)) AS id`;
  const result = spawnSync("npx", ["wrangler", "d1", "execute", "DB", "--local", "--json", "--command", sql], {
    cwd: root,
    encoding: "utf8",
    env: { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" },
  });
  if (result.status !== 0) return null;
  try {
    return (JSON.parse(result.stdout) as { results: { id: string }[] }[])[0]?.results[0]?.id ?? null;
  } catch {
    return null;
  }
}

const messageId = latestMessageId(email);
if (!messageId)
  console.log(
    `No email to ${email} in local D1: sending the event for a made-up email id (it is recorded and changes nothing).`,
  );
const now = new Date();
const body = JSON.stringify({
  type,
  created_at: now.toISOString(),
  data: {
    email_id: messageId ?? randomUUID(),
    to: [email],
    from: "series@nextpart.local",
    subject: "Sample event from npm run webhook",
    created_at: now.toISOString(),
  },
});
const id = `msg_${randomUUID()}`;
const signature = new Webhook(secret).sign(id, now, body);
const res = await fetch(`${values.url}/webhooks/resend`, {
  method: "POST",
  headers: {
    "content-type": "application/json",
    "svix-id": id,
    "svix-timestamp": String(Math.floor(now.getTime() / 1000)),
    "svix-signature": signature,
  },
  body,
}).catch((error: unknown) => {
  console.error(`Could not reach ${values.url}: is \`npm start\` running? (${String(error)})`);
  process.exit(1);
});
console.log(`${type} for ${email} → ${res.status}`);
console.log(await res.text());
process.exit(res.ok ? 0 : 1);

import { ConfigError, readConfig } from "../worker/config";
import type { Env } from "../worker/env";

/**
 * What `npm run check` finds missing for a deployment in wrangler.toml (and in the secrets, when they are
 * given as environment variables; otherwise they are listed as things to set). Pure: tested in workerd.
 */
export interface ConfigReport {
  problems: string[];
  /** Deployable, but weaker than it should be: printed loudly, never blocking (the exit code is the problems'). */
  warnings: string[];
  /** Secrets not given here: they live in Cloudflare (`wrangler secret put NAME`) and must be set there. */
  unchecked: string[];
}

export const SECRETS = [
  "SIGNING_KEYS",
  "HASH_SECRET",
  "ADMIN_TOKEN",
  "RESEND_API_KEY",
  "RESEND_WEBHOOK_SECRET",
  "TURNSTILE_SECRET",
] as const;
/** No longer read by the Worker: given (CI) without SIGNING_KEYS, the Worker's own check says what to set instead. */
export const RETIRED_SECRETS = ["SIGNING_SECRET"] as const;
const REQUIRED_LIMITERS = ["SIGNUP_LIMITER", "ADMIN_AUTH_LIMITER", "CLICK_LIMITER", "PREFERENCES_LIMITER"];

/** The few shapes our wrangler.toml uses: `[vars]` string keys, and name/binding/database_id of array tables. */
export function parseWranglerToml(text: string) {
  const vars: Record<string, string> = {};
  const tables: { table: string; fields: Record<string, string> }[] = [];
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\s+#.*$/, "").trim();
    if (!line || line.startsWith("#")) continue;
    const header = /^\[\[?([^\]]+)\]\]?$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      if (line.startsWith("[[")) tables.push({ table: section, fields: {} });
      continue;
    }
    const pair = /^([A-Za-z0-9_.-]+)\s*=\s*"((?:[^"\\]|\\.)*)"/.exec(line);
    if (!pair) continue;
    if (section === "vars") vars[pair[1]!] = pair[2]!;
    else if (tables.length && tables[tables.length - 1]!.table === section)
      tables[tables.length - 1]!.fields[pair[1]!] = pair[2]!;
  }
  return { vars, tables };
}

export function checkProductionConfig(
  toml: string,
  secrets: Partial<Record<(typeof SECRETS)[number] | (typeof RETIRED_SECRETS)[number], string>>,
): ConfigReport {
  const { vars, tables } = parseWranglerToml(toml);
  const problems: string[] = [];
  const unchecked = SECRETS.filter(
    (name) => secrets[name] === undefined && (name !== "TURNSTILE_SECRET" || vars.TURNSTILE_SITE_KEY),
  );
  if (vars.LOCAL_OUTBOX) problems.push("[vars] LOCAL_OUTBOX is for local runs only: remove it from wrangler.toml");
  for (const name of SECRETS) {
    if (vars[name])
      problems.push(`[vars] ${name} is a secret: remove it from wrangler.toml and use \`wrangler secret put ${name}\``);
  }
  for (const name of RETIRED_SECRETS)
    if (vars[name])
      problems.push(`[vars] ${name} is no longer read: remove it from wrangler.toml (SIGNING_KEYS signs)`);
  // The Worker's own checks, on the vars as deployed; secrets not given here stand in as valid placeholders.
  const env = {
    ...vars,
    LOCAL_OUTBOX: "",
    SIGNING_KEYS: secrets.SIGNING_KEYS ?? (secrets.SIGNING_SECRET ? "" : `k1:${"x".repeat(32)}`),
    SIGNING_SECRET: secrets.SIGNING_SECRET ?? "",
    HASH_SECRET: secrets.HASH_SECRET ?? "h".repeat(32),
    ADMIN_TOKEN: secrets.ADMIN_TOKEN ?? "x".repeat(32),
    RESEND_API_KEY: secrets.RESEND_API_KEY ?? "re_placeholder",
    RESEND_WEBHOOK_SECRET: secrets.RESEND_WEBHOOK_SECRET ?? "",
    TURNSTILE_SECRET: secrets.TURNSTILE_SECRET ?? (vars.TURNSTILE_SITE_KEY ? "placeholder" : ""),
  } as unknown as Env;
  try {
    readConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(...error.problems);
  }
  if (/@[^>]*\.(local|localhost|example|test|invalid)>?\s*$/i.test(vars.MAIL_FROM ?? "")) {
    problems.push(`MAIL_FROM "${vars.MAIL_FROM}" is not a domain you can send from (verify one in Resend)`);
  }
  if (/example/i.test(vars.POSTAL_ADDRESS ?? ""))
    problems.push("POSTAL_ADDRESS is the example address (CAN-SPAM wants your real one)");
  const database = tables.find((t) => t.table === "d1_databases" && t.fields.binding === "DB");
  if (!database || /^[0-]*$/.test(database.fields.database_id ?? "")) {
    problems.push("[[d1_databases]] DB has no database_id: `wrangler d1 create nextpart` and paste its id");
  }
  const limiters = tables.filter((t) => t.table === "ratelimits").map((t) => t.fields.name);
  for (const name of REQUIRED_LIMITERS)
    if (!limiters.includes(name)) problems.push(`[[ratelimits]] ${name} is missing`);
  const warnings: string[] = [];
  if (!vars.TURNSTILE_SITE_KEY) {
    warnings.push(
      "Turnstile is off: signups are not checked for bots, so a script can fill the form from many networks " +
        "(the per-mailbox, per-domain and hourly caps still hold). Set TURNSTILE_SITE_KEY in [vars] and `wrangler secret put TURNSTILE_SECRET`.",
    );
  }
  return { problems, warnings, unchecked };
}

import { z } from "zod";
import type { Env } from "./env";
import { parseKeyring } from "./lib/keyring";

/** Outside local runs every key is at least this long (a guessable key forges every link). */
const MIN_PRODUCTION_SECRET = 32;

const configSchema = z
  .object({
    publicUrl: z.url().transform((url) => url.replace(/\/+$/, "")),
    mailFrom: z.string().min(3),
    postalAddress: z.string().min(1),
    unsubscribeMailto: z.email().optional(),
    defaultSeries: z.string().min(1),
    adminToken: z.string().min(1).optional(),
    /** "kid2:secret2,kid1:secret1", newest first (lib/keyring.ts). */
    signingKeys: z.string().optional(),
    /** Read only to refuse it: the single key from before key ids, no longer a key (SIGNING_KEYS is). */
    retiredSigningSecret: z.boolean(),
    /** The key of every stored hash (erased addresses, IP, user agent): required, set once, never changed. */
    hashSecret: z.string().min(16).optional(),
    resendApiKey: z.string().min(1).optional(),
    resendBaseUrl: z.url().optional(),
    /** Checked by the webhook route, not here: a bad one must not take the rest of the Worker down. */
    resendWebhookSecret: z.string().min(1).optional(),
    turnstileSecret: z.string().min(1).optional(),
    turnstileSiteKey: z.string().min(1).optional(),
    sendBatchesPerRun: z.coerce.number().int().min(1).max(10_000),
    sendConcurrency: z.coerce.number().int().min(1).max(32),
    providerRps: z.coerce.number().min(0),
    /** Confirmation emails strangers may cause per clock hour, to one domain and in all; beyond, they wait for the cron. */
    confirmationsPerDomainPerHour: z.coerce.number().int().min(1),
    confirmationsPerHour: z.coerce.number().int().min(1),
    /**
     * Retention windows (worker/retention, docs/retention.md), each at least what a guarantee needs: a redelivered
     * webhook is recognized for longer than Resend retries (~32 h); a delivery keeps its provider id and recipient
     * past the idempotency window (24 h) and those retries; a signup is not purged while its link (7 days) works.
     */
    retainWebhookEventsHours: z.coerce
      .number()
      .int()
      .min(36, "RETAIN_WEBHOOK_EVENTS_HOURS must be at least 36 (Resend retries a webhook for ~32 h)")
      .max(24 * 3650),
    retainDeliveriesDays: z.coerce
      .number()
      .int()
      .min(3, "RETAIN_DELIVERIES_DAYS must be at least 3 (24 h of idempotency, then ~32 h of webhook retries)")
      .max(3650),
    retainClicksDays: z.coerce.number().int().min(1, "RETAIN_CLICKS_DAYS must be at least 1").max(3650),
    retainPendingSignupsDays: z.coerce
      .number()
      .int()
      .min(8, "RETAIN_PENDING_SIGNUPS_DAYS must be at least 8 (a confirm link works for 7 days)")
      .max(3650),
    retainImportsDays: z.coerce.number().int().min(1, "RETAIN_IMPORTS_DAYS must be at least 1").max(3650),
    retainOutboxDays: z.coerce.number().int().min(1, "RETAIN_OUTBOX_DAYS must be at least 1").max(3650),
    retainFeedbackDeadLettersDays: z.coerce
      .number()
      .int()
      .min(7, "RETAIN_FEEDBACK_DEAD_LETTERS_DAYS must be at least 7 (a week for the operator to look at them)")
      .max(3650),
    /** Chunks per table one cron tick may delete (0: retention off). */
    retentionChunksPerRun: z.coerce.number().int().min(0).max(100),
    /** LOCAL_OUTBOX = "1" (npm start, tests): mail without RESEND_API_KEY goes to the local outbox table. */
    localOutbox: z.boolean(),
  })
  .superRefine((config, ctx) => {
    const problem = (message: string) => ctx.addIssue({ code: "custom", message });
    const ring = parseKeyring(config.signingKeys);
    if (!config.signingKeys && config.retiredSigningSecret)
      problem('SIGNING_SECRET is no longer read: set SIGNING_KEYS ("kid:secret", e.g. k1:<a new secret>) instead');
    else if (!ring.ok) ring.problems.forEach(problem);
    if (!config.hashSecret)
      problem(
        "HASH_SECRET is not set (the key of every stored hash: erased addresses, IP, user agent; set it once, never change it)",
      );
    if (config.hashSecret && ring.ok && ring.keyring.keys.some((key) => key.secret === config.hashSecret)) {
      problem("HASH_SECRET must differ from every signing key");
    }
    // Real mail with links to localhost would reach readers broken: refuse to start instead.
    if (config.resendApiKey && !config.resendBaseUrl && isLocalUrl(config.publicUrl)) {
      problem("PUBLIC_URL points at this machine: set it to the Worker's public address before sending through Resend");
    }
    if (config.localOutbox) return;
    // A deployed Worker: no silent outbox, no guessable admin token, no plain-http links, no half-set Turnstile.
    if (!config.resendApiKey)
      problem("RESEND_API_KEY is not set (the local outbox is only for runs with LOCAL_OUTBOX=1)");
    if (config.adminToken && config.adminToken.length < 32) problem("ADMIN_TOKEN must be at least 32 characters");
    for (const key of ring.ok ? ring.keyring.keys : []) {
      if (key.secret.length < MIN_PRODUCTION_SECRET)
        problem(`SIGNING_KEYS key "${key.kid}" must be at least ${MIN_PRODUCTION_SECRET} characters`);
    }
    if (config.hashSecret && config.hashSecret.length < MIN_PRODUCTION_SECRET)
      problem(`HASH_SECRET must be at least ${MIN_PRODUCTION_SECRET} characters`);
    if (!config.publicUrl.startsWith("https://")) problem("PUBLIC_URL must start with https://");
    if (Boolean(config.turnstileSecret) !== Boolean(config.turnstileSiteKey)) {
      problem("TURNSTILE_SECRET and TURNSTILE_SITE_KEY must be set together");
    }
  })
  .transform(({ signingKeys, retiredSigningSecret, hashSecret, ...config }) => {
    const ring = parseKeyring(signingKeys);
    if (!ring.ok) throw new Error("unreachable: the keyring was validated above");
    // Never a signing key in its place: a fallback that a later HASH_SECRET replaces voids every suppression.
    return { ...config, keyring: ring.keyring, hashSecret: hashSecret! };
  });

function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || host.startsWith("127.");
}

/** What is wrong with the configuration, one line per problem (for the logs and `npm run check`). */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`configuration: ${problems.join("; ")}`);
  }
}

export type Config = z.output<typeof configSchema>;

const emptyToUndefined = (value: string | undefined) => (value ? value : undefined);

const cache = new WeakMap<Env, Config>();

/** The one place that reads env: validated once per isolate and env object. */
export function readConfig(env: Env): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const parsed = configSchema.safeParse({
    publicUrl: env.PUBLIC_URL,
    mailFrom: env.MAIL_FROM,
    postalAddress: env.POSTAL_ADDRESS,
    unsubscribeMailto: emptyToUndefined(env.UNSUBSCRIBE_MAILTO),
    defaultSeries: emptyToUndefined(env.DEFAULT_SERIES) ?? "origins-of-lead-change",
    adminToken: emptyToUndefined(env.ADMIN_TOKEN),
    signingKeys: emptyToUndefined(env.SIGNING_KEYS),
    // No longer a binding: read only so that a deployment still setting it alone is told what to set instead.
    retiredSigningSecret: Boolean((env as { SIGNING_SECRET?: string }).SIGNING_SECRET),
    hashSecret: emptyToUndefined(env.HASH_SECRET),
    resendApiKey: emptyToUndefined(env.RESEND_API_KEY),
    resendBaseUrl: emptyToUndefined(env.RESEND_BASE_URL),
    resendWebhookSecret: emptyToUndefined(env.RESEND_WEBHOOK_SECRET),
    turnstileSecret: emptyToUndefined(env.TURNSTILE_SECRET),
    turnstileSiteKey: emptyToUndefined(env.TURNSTILE_SITE_KEY),
    sendBatchesPerRun: emptyToUndefined(env.SEND_BATCHES_PER_RUN) ?? 40,
    sendConcurrency: emptyToUndefined(env.SEND_CONCURRENCY) ?? 2,
    providerRps: emptyToUndefined(env.PROVIDER_RPS) ?? 5,
    confirmationsPerDomainPerHour: emptyToUndefined(env.CONFIRMATIONS_PER_DOMAIN_PER_HOUR) ?? 100,
    confirmationsPerHour: emptyToUndefined(env.CONFIRMATIONS_PER_HOUR) ?? 500,
    retainWebhookEventsHours: emptyToUndefined(env.RETAIN_WEBHOOK_EVENTS_HOURS) ?? 72,
    retainDeliveriesDays: emptyToUndefined(env.RETAIN_DELIVERIES_DAYS) ?? 7,
    retainClicksDays: emptyToUndefined(env.RETAIN_CLICKS_DAYS) ?? 30,
    retainPendingSignupsDays: emptyToUndefined(env.RETAIN_PENDING_SIGNUPS_DAYS) ?? 30,
    retainImportsDays: emptyToUndefined(env.RETAIN_IMPORTS_DAYS) ?? 30,
    retainOutboxDays: emptyToUndefined(env.RETAIN_OUTBOX_DAYS) ?? 7,
    retainFeedbackDeadLettersDays: emptyToUndefined(env.RETAIN_FEEDBACK_DEAD_LETTERS_DAYS) ?? 30,
    retentionChunksPerRun: emptyToUndefined(env.RETENTION_CHUNKS_PER_RUN) ?? 4,
    localOutbox: env.LOCAL_OUTBOX === "1",
  });
  if (!parsed.success) {
    throw new ConfigError(
      parsed.error.issues.map((issue) =>
        issue.path.length ? `${issue.path.join(".")}: ${issue.message}` : issue.message,
      ),
    );
  }
  cache.set(env, parsed.data);
  return parsed.data;
}

/** Null when the Worker may serve and send; otherwise why not (the cron and the queue refuse to send). */
export function configProblem(env: Env): string | null {
  try {
    readConfig(env);
    return null;
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
}

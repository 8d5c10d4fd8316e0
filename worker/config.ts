import { z } from "zod";
import type { Env } from "./env";

const configSchema = z.object({
  publicUrl: z.url().transform((url) => url.replace(/\/+$/, "")),
  mailFrom: z.string().min(3),
  postalAddress: z.string().min(1),
  unsubscribeMailto: z.email().optional(),
  defaultSeries: z.string().min(1),
  adminToken: z.string().min(1).optional(),
  signingSecret: z.string().min(16),
  resendApiKey: z.string().min(1).optional(),
  resendBaseUrl: z.url().optional(),
  /** Checked by the webhook route, not here: a bad one must not take the rest of the Worker down. */
  resendWebhookSecret: z.string().min(1).optional(),
  turnstileSecret: z.string().min(1).optional(),
  turnstileSiteKey: z.string().min(1).optional(),
  sendBatchesPerRun: z.coerce.number().int().min(1).max(10_000),
  sendConcurrency: z.coerce.number().int().min(1).max(32),
  providerRps: z.coerce.number().min(0),
}).refine(
  // Real mail with links to localhost would reach readers broken: refuse to start instead.
  (config) => !config.resendApiKey || config.resendBaseUrl || !isLocalUrl(config.publicUrl),
  { message: "PUBLIC_URL points at this machine: set it to the Worker's public address before sending through Resend" },
);

function isLocalUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === "localhost" || host === "[::1]" || host.startsWith("127.");
}

export type Config = z.infer<typeof configSchema>;

const emptyToUndefined = (value: string | undefined) => (value ? value : undefined);

const cache = new WeakMap<Env, Config>();

/** The one place that reads env: validated once per isolate and env object. */
export function readConfig(env: Env): Config {
  const cached = cache.get(env);
  if (cached) return cached;
  const config = configSchema.parse({
    publicUrl: env.PUBLIC_URL,
    mailFrom: env.MAIL_FROM,
    postalAddress: env.POSTAL_ADDRESS,
    unsubscribeMailto: emptyToUndefined(env.UNSUBSCRIBE_MAILTO),
    defaultSeries: emptyToUndefined(env.DEFAULT_SERIES) ?? "origins-of-lead-change",
    adminToken: emptyToUndefined(env.ADMIN_TOKEN),
    signingSecret: env.SIGNING_SECRET,
    resendApiKey: emptyToUndefined(env.RESEND_API_KEY),
    resendBaseUrl: emptyToUndefined(env.RESEND_BASE_URL),
    resendWebhookSecret: emptyToUndefined(env.RESEND_WEBHOOK_SECRET),
    turnstileSecret: emptyToUndefined(env.TURNSTILE_SECRET),
    turnstileSiteKey: emptyToUndefined(env.TURNSTILE_SITE_KEY),
    sendBatchesPerRun: emptyToUndefined(env.SEND_BATCHES_PER_RUN) ?? 40,
    sendConcurrency: emptyToUndefined(env.SEND_CONCURRENCY) ?? 2,
    providerRps: emptyToUndefined(env.PROVIDER_RPS) ?? 5,
  });
  cache.set(env, config);
  return config;
}

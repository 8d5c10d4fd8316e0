/** The Worker's bindings, as declared in wrangler.toml and .dev.vars. */
export interface Env {
  DB: D1Database;
  DELIVERY_QUEUE?: Queue<DeliveryMessage>;
  /** Chunks of a subscriber import (worker/subscribers/import/); without it, only small imports run inline. */
  IMPORT_QUEUE?: Queue<ImportChunkMessage>;
  SIGNUP_LIMITER?: RateLimit;
  /** Wrong admin tokens per client address (counted on failures only). */
  ADMIN_AUTH_LIMITER?: RateLimit;

  PUBLIC_URL: string;
  MAIL_FROM: string;
  POSTAL_ADDRESS: string;
  UNSUBSCRIBE_MAILTO?: string;
  DEFAULT_SERIES?: string;
  /** Provider calls one cycle may make inline (free plan: 50 subrequests per invocation). */
  SEND_BATCHES_PER_RUN?: string;
  SEND_CONCURRENCY?: string;
  /** Provider calls per second for the whole team, across every invocation (Resend's default: 5). "0" = unpaced. */
  PROVIDER_RPS?: string;
  /** "1" only for local runs (npm start, tests): without RESEND_API_KEY, mail goes to the outbox table. */
  LOCAL_OUTBOX?: string;

  ADMIN_TOKEN?: string;
  /** Signing keys with ids, newest first: "kid2:secret2,kid1:secret1" (worker/lib/keyring.ts). */
  SIGNING_KEYS?: string;
  /** The single signing key from before key ids; kept to verify links already mailed (key id "0"). */
  SIGNING_SECRET?: string;
  /** Key of the IP and user-agent hashes; never rotated (without it: derived from SIGNING_SECRET, as before). */
  HASH_SECRET?: string;
  RESEND_API_KEY?: string;
  RESEND_BASE_URL?: string;
  /** Signing secret (whsec_…) of the Resend webhook pointed at POST /webhooks/resend. */
  RESEND_WEBHOOK_SECRET?: string;
  TURNSTILE_SECRET?: string;
  TURNSTILE_SITE_KEY?: string;
}

/** One queue message = one claimed batch to send (see worker/delivery/). */
export interface DeliveryMessage {
  batchId: string;
}

/** One queue message = one chunk of an import's rows (see worker/subscribers/import/). */
export interface ImportChunkMessage {
  jobId: string;
  chunk: number;
  /** [row number, email, name, timezone, series, consented_at, consent_source, flag (import/parse-import-csv.ts)] */
  rows: ImportRowTuple[];
}

export type ImportRowTuple = [row: number, email: string, name: string, timezone: string, series: string, consentedAt: string, consentSource: string, flag: 0 | 1 | 2];

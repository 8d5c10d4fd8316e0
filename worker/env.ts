/** The Worker's bindings, as declared in wrangler.toml and .dev.vars. */
export interface Env {
  DB: D1Database;
  DELIVERY_QUEUE?: Queue<DeliveryMessage>;
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
  SIGNING_SECRET?: string;
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

/**
 * The Worker's bindings: generated from wrangler.toml and .dev.vars.example by `npm run cf-typegen`
 * (worker/worker-configuration.d.ts, checked by `npm run check`). Only the queues' message types are ours; the
 * import, feedback and click queues are optional (without them, small imports, provider events and clicks run inline).
 */
export type Env = Omit<
  CloudflareBindings,
  "DELIVERY_QUEUE" | "IMPORT_QUEUE" | "FEEDBACK_QUEUE" | "CLICK_QUEUE" | "CLICK_LIMITER"
> & {
  DELIVERY_QUEUE: Queue<DeliveryMessage>;
  IMPORT_QUEUE?: Queue<ImportChunkMessage>;
  FEEDBACK_QUEUE?: Queue<FeedbackMessage>;
  /** Without it, clicks are recorded inline, one at a time (worker/actions/take-click.ts). */
  CLICK_QUEUE?: Queue<ClickMessage>;
  CLICK_LIMITER?: RateLimit;
};

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

export type ImportRowTuple = [
  row: number,
  email: string,
  name: string,
  timezone: string,
  series: string,
  consentedAt: string,
  consentSource: string,
  flag: 0 | 1 | 2 | 3,
];

/**
 * One queue message = one verified provider event, reduced to what recording it needs (worker/feedback/): ids,
 * type and times. Never the payload, so never an address.
 */
export interface FeedbackMessage {
  svixId: string;
  type: string;
  /** The provider's id of the email it is about. */
  emailId: string | null;
  /** The delivery its email's tag names (digits, checked), for a late bounce or complaint; never the address. */
  deliveryTag: number | null;
  /** The event's own time (its created_at), epoch ms; null when it had none we could read. */
  createdAt: number | null;
  /** When our route received it, epoch ms. */
  receivedAt: number;
}

/** One queue message = one action-link click, already answered with its redirect (see worker/actions/). */
export interface ClickMessage {
  /** Random, one per click: a redelivered message is recognised by it. */
  id: string;
  deliveryId: number;
  /** The series and part the link named: the consumer checks them against the delivery. */
  series: string;
  partId: string;
  link: number;
  /** When the redirect was answered (ms). */
  at: number;
  /** What the request itself showed; timing and bursts are the consumer's to decide. */
  reason: "head" | "user-agent" | null;
}

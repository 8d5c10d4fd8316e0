/**
 * The Worker's bindings: generated from wrangler.toml and .dev.vars.example by `npm run cf-typegen`
 * (worker/worker-configuration.d.ts, checked by `npm run check`). Only the queues' message types are ours; the
 * import queue is optional (without it, small imports run inline: worker/subscribers/import/).
 */
export type Env = Omit<CloudflareBindings, "DELIVERY_QUEUE" | "IMPORT_QUEUE"> & {
  DELIVERY_QUEUE: Queue<DeliveryMessage>;
  IMPORT_QUEUE?: Queue<ImportChunkMessage>;
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

export type ImportRowTuple = [row: number, email: string, name: string, timezone: string, series: string, consentedAt: string, consentSource: string, flag: 0 | 1 | 2 | 3];

/**
 * The Worker's bindings: generated from wrangler.toml and .dev.vars.example by `npm run cf-typegen`
 * (worker/worker-configuration.d.ts, checked by `npm run check`). Only the queue's message type is ours.
 */
export type Env = Omit<CloudflareBindings, "DELIVERY_QUEUE"> & { DELIVERY_QUEUE: Queue<DeliveryMessage> };

/** One queue message = one claimed batch to send (see worker/delivery/). */
export interface DeliveryMessage {
  batchId: string;
}

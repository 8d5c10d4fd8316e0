import { z } from "@hono/zod-openapi";

/**
 * POST /send's answer, declared for the document. Its own module that imports only zod (not the delivery
 * engine), so the admin CLI parses the answer with this very schema instead of a hand-written copy.
 */

const count = z.number().int();

/** The cycle's summary (worker/delivery/run-cycle.ts CycleSummary), field for field. */
export const cycleSummarySchema = z
  .object({
    dryRun: z.boolean(),
    mailer: z.string().openapi({ description: '"resend" or "outbox" (local runs).' }),
    due: count.openapi({ description: "Readers whose part was due and taken this run (in a dry run: who would be)." }),
    sent: count,
    deferred: count.openapi({ description: "Put back until their send window opens." }),
    failed: count.openapi({ description: "Rejected by the provider (4xx); retried an hour later." }),
    retrying: count.openapi({ description: "Outcome unknown (5xx, timeout); retried under the same key." }),
    refused: count.openapi({ description: "Refused alone inside an accepted batch; tried again later." }),
    setAside: count.openapi({ description: "Readers set aside with a reason (GET /batches)." }),
    errors: z.array(z.object({ batchId: z.string().nullable(), message: z.string() })),
    queued: count.openapi({ description: "Batches handed to the delivery queue." }),
    recovered: count.openapi({ description: "Stale batches from earlier runs picked up again." }),
    rateLimited: z.boolean(),
    retryAfterMs: z.number().int().nullable(),
    perPart: z.record(z.string(), count).openapi({ description: 'Sent (or due, in a dry run) per "series/part".' }),
    providerRequests: count,
    d1: z.object({ statements: count, rowsRead: count, rowsWritten: count }),
  })
  .openapi("CycleSummary");

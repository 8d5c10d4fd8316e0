import { randomUUID } from "node:crypto";
import { z } from "zod";
import type { AdminClient } from "../client";
import { printJson, printLine, table } from "../output";

export interface SendOptions {
  dryRun?: boolean;
  series?: string;
  subscriber?: string;
  idempotencyKey?: string;
}

/** The cycle summary: counts we print, the rest kept for --json. */
const summarySchema = z
  .object({
    dryRun: z.boolean().optional(),
    due: z.number().optional(),
    sent: z.number().optional(),
    deferred: z.number().optional(),
    refused: z.number().optional(),
    failed: z.number().optional(),
    setAside: z.number().optional(),
    retrying: z.number().optional(),
    rateLimited: z.boolean().optional(),
    perPart: z.record(z.string(), z.number()).optional(),
    errors: z.array(z.object({ batchId: z.string().nullish(), message: z.string() })).optional(),
  })
  .passthrough();

/** POST /send: one delivery cycle now (or its dry run). The key lets an operator re-run the same request safely. */
export async function sendCommand(client: AdminClient, options: SendOptions, json: boolean) {
  const subscriber = options.subscriber === undefined ? undefined : /^\d+$/.test(options.subscriber) ? Number(options.subscriber) : options.subscriber;
  const summary = await client.json(summarySchema, "/send", {
    method: "POST",
    json: { dryRun: options.dryRun ?? false, series: options.series, subscriber },
    idempotencyKey: options.idempotencyKey ?? randomUUID(),
  });
  if (json) return printJson(summary);
  const counts = (["due", "sent", "deferred", "refused", "failed", "setAside", "retrying"] as const).map((key) => [key, summary[key] ?? 0]);
  printLine(options.dryRun ? "Dry run: nothing was sent." : "Delivery cycle done.");
  printLine(table(["", "emails"], [...counts, ["rateLimited", summary.rateLimited ?? false]]));
  const perPart = Object.entries(summary.perPart ?? {});
  if (perPart.length > 0) printLine(table(["part", "sent"], perPart));
  for (const error of summary.errors ?? []) printLine(`error${error.batchId ? ` (batch ${error.batchId})` : ""}: ${error.message}`);
}

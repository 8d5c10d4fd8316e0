import { randomUUID } from "node:crypto";
import { cycleSummarySchema } from "../../../worker/routes/admin-api/send-schema";
import type { AdminClient } from "../client";
import { note, printJson, printLine, table } from "../output";

export interface SendOptions {
  dryRun?: boolean;
  series?: string;
  subscriber?: string;
  idempotencyKey?: string;
}

const COUNTS = ["due", "sent", "queued", "recovered", "deferred", "refused", "failed", "setAside", "retrying"] as const;

/** POST /send: one delivery cycle now (or its dry run). The key lets an operator re-run the same request safely. */
export async function sendCommand(client: AdminClient, options: SendOptions, json: boolean) {
  const subscriber =
    options.subscriber === undefined
      ? undefined
      : /^\d+$/.test(options.subscriber)
        ? Number(options.subscriber)
        : options.subscriber;
  const { body: summary, replayed } = await client.jsonWithReplay(cycleSummarySchema, "/send", {
    method: "POST",
    json: { dryRun: options.dryRun ?? false, series: options.series, subscriber },
    idempotencyKey: options.idempotencyKey ?? randomUUID(),
  });
  if (replayed) note("Idempotent-Replayed: this is the answer to the first request with this key; nothing ran again.");
  if (json) return printJson(summary);
  printLine(
    summary.dryRun
      ? `Dry run (mailer: ${summary.mailer}): nothing was sent.`
      : `Delivery cycle done (mailer: ${summary.mailer}).`,
  );
  const counts = COUNTS.map((key) => [key, summary[key]]);
  printLine(table(["", "emails"], [...counts, ["rateLimited", summary.rateLimited]]));
  // In a dry run perPart counts who is due, not who was sent.
  const perPart = Object.entries(summary.perPart);
  if (perPart.length > 0) printLine(table(["part", summary.dryRun ? "due" : "sent"], perPart));
  for (const error of summary.errors)
    printLine(`error${error.batchId ? ` (batch ${error.batchId})` : ""}: ${error.message}`);
}

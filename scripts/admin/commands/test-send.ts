import { randomUUID } from "node:crypto";
import { testSentSchema } from "../../../worker/routes/admin-api/previews-schema";
import type { AdminClient } from "../client";
import { note, printJson, printLine } from "../output";

export interface TestSendOptions {
  to: string;
  idempotencyKey?: string;
}

/**
 * POST /test-send: one part to one address, marked as a test. A key per run (or the one given) means a retried
 * request never sends twice; the API limits test sends per minute for the whole team.
 */
export async function testSendCommand(
  client: AdminClient,
  series: string,
  part: number,
  options: TestSendOptions,
  json: boolean,
) {
  const { body, replayed } = await client.jsonWithReplay(testSentSchema, "/test-send", {
    method: "POST",
    json: { to: options.to, series, part },
    idempotencyKey: options.idempotencyKey ?? randomUUID(),
  });
  if (replayed)
    note("Idempotent-Replayed: this is the answer to the first request with this key; nothing was sent again.");
  if (json) return printJson(body);
  printLine(
    `Sent "${body.subject}" to ${options.to}${body.providerMessageId ? ` (message ${body.providerMessageId})` : ""}.`,
  );
}

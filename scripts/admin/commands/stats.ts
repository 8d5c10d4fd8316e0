import { z } from "zod";
import type { AdminClient } from "../client";
import { printJson, printLine, table } from "../output";

const COLUMNS = [
  "sent",
  "delivered",
  "opened",
  "humanClicks",
  "responses",
  "unsubscribes",
  "bounces",
  "complaints",
  "waiting",
] as const;

/**
 * Stats of the API's document: what it declares is required. The other counters are answered but not declared
 * (the parts are `.loose()`), so they are optional here and shown blank, never as a made-up 0.
 */
const partSchema = z
  .object({
    part: z.number().nullable(),
    id: z.string(),
    title: z.string().nullable(),
    sent: z.number(),
    delivered: z.number().optional(),
    opened: z.number().optional(),
    humanClicks: z.number().optional(),
    responses: z.number().optional(),
    unsubscribes: z.number().optional(),
    bounces: z.number().optional(),
    complaints: z.number().optional(),
    waiting: z.number().optional(),
  })
  .loose();
const statsSchema = z
  .object({
    series: z.array(
      z
        .object({
          series: z.string(),
          title: z.string().nullable(),
          subscribers: z.record(z.string(), z.number()),
          caughtUp: z.number(),
          paused: z.boolean(),
          pauseReason: z.string().nullable().optional(),
          stillReading: z
            .object({
              rule: z.object({ afterParts: z.number(), graceDays: z.number() }).loose().nullable(),
              asked: z.number(),
              kept: z.number(),
              paused: z.number(),
            })
            .optional(),
          parts: z.array(partSchema),
        })
        .loose(),
    ),
    notes: z.record(z.string(), z.string()),
    openedUnreliable: z.literal(true),
    d1: z.object({ statements: z.number(), rowsRead: z.number(), rowsWritten: z.number() }),
  })
  .loose();

/** GET /stats: per series, its readers and one row of counters per part. */
export async function statsCommand(client: AdminClient, options: { series?: string }, json: boolean) {
  const stats = await client.json(statsSchema, "/stats", { query: { series: options.series } });
  if (json) return printJson(stats);
  if (stats.series.length === 0) return printLine("No series with readers yet.");
  for (const s of stats.series) {
    const readers =
      Object.entries(s.subscribers)
        .map(([status, n]) => `${status} ${n}`)
        .join(", ") || "none";
    printLine(
      `${s.series}${s.title ? ` — ${s.title}` : ""}${s.paused ? ` (PAUSED: ${s.pauseReason ?? "no reason given"})` : ""}`,
    );
    printLine(`readers: ${readers}; caught up: ${s.caughtUp}`);
    const still = s.stillReading;
    if (still?.rule) {
      printLine(
        `"Still reading?" (after ${still.rule.afterParts} quiet parts, ${still.rule.graceDays} days to answer): asked ${still.asked}, kept ${still.kept}, paused ${still.paused}`,
      );
    }
    printLine(
      table(
        ["part", "id", ...COLUMNS],
        s.parts.map((p) => [p.part ?? "removed", p.id, ...COLUMNS.map((c) => p[c])]),
      ),
    );
  }
  if (stats.notes.opened) printLine(`opened: ${stats.notes.opened}`);
}

import { z } from "zod";
import type { AdminClient } from "../client";
import { printJson, printLine, table } from "../output";

const partSchema = z
  .object({
    part: z.number().nullable(),
    id: z.string(),
    title: z.string().nullable(),
    sent: z.number(),
    delivered: z.number(),
    opened: z.number(),
    humanClicks: z.number(),
    responses: z.number(),
    unsubscribes: z.number(),
    bounces: z.number(),
    complaints: z.number(),
    waiting: z.number(),
  })
  .passthrough();
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
          pauseReason: z.string().nullable(),
          parts: z.array(partSchema),
        })
        .passthrough(),
    ),
  })
  .passthrough();

const COLUMNS = ["sent", "delivered", "opened", "humanClicks", "responses", "unsubscribes", "bounces", "complaints", "waiting"] as const;

/** GET /stats: per series, its readers and one row of counters per part. */
export async function statsCommand(client: AdminClient, options: { series?: string }, json: boolean) {
  const stats = await client.json(statsSchema, "/stats", { query: { series: options.series } });
  if (json) return printJson(stats);
  if (stats.series.length === 0) return printLine("No series with readers yet.");
  for (const s of stats.series) {
    const readers = Object.entries(s.subscribers).map(([status, n]) => `${status} ${n}`).join(", ") || "none";
    printLine(`${s.series}${s.title ? ` — ${s.title}` : ""}${s.paused ? ` (PAUSED: ${s.pauseReason ?? "no reason given"})` : ""}`);
    printLine(`readers: ${readers}; caught up: ${s.caughtUp}`);
    printLine(table(["part", "id", ...COLUMNS], s.parts.map((p) => [p.part ?? "removed", p.id, ...COLUMNS.map((c) => p[c])])));
  }
}

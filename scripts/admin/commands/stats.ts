import { statsSchema } from "../../../worker/routes/admin-api/stats-schema";
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

/** GET /stats, parsed with the schema the API declares: per series, its readers and one row of counters per part. */
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
    if (still.rule) {
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

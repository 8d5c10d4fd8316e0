import { growthSchema } from "../../../worker/routes/admin-api/growth-schema";
import type { AdminClient } from "../client";
import { printJson, printLine, table } from "../output";

const COLUMNS = ["signups", "confirmations", "unsubscribes"] as const;

/** GET /growth, parsed with the schema the API declares: per series, its totals and the days that had any. */
export async function growthCommand(client: AdminClient, options: { series?: string; days: string }, json: boolean) {
  const growth = await client.json(growthSchema, "/growth", { query: { series: options.series, days: options.days } });
  if (json) return printJson(growth);
  printLine(`The last ${growth.days} days, ${growth.from} to ${growth.to} (UTC days)`);
  for (const s of growth.series) {
    printLine();
    printLine(`${s.series}${s.title ? ` — ${s.title}` : ""}: ${COLUMNS.map((c) => `${c} ${s.totals[c]}`).join(", ")}`);
    const busy = s.days.filter((day) => COLUMNS.some((c) => day[c] > 0));
    if (busy.length === 0) printLine("nothing to count in this window");
    else
      printLine(
        table(
          ["day", ...COLUMNS],
          busy.map((day) => [day.day, ...COLUMNS.map((c) => day[c])]),
        ),
      );
  }
}

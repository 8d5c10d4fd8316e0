import { z } from "zod";
import { subscriberStatuses } from "../../../db/schema";
import type { AdminClient } from "../client";
import { note, printJson, printLine, table } from "../output";

/** SubscriberItem of the API's document; `.loose()` keeps fields it may add, for --json. */
const subscriberSchema = z
  .object({
    id: z.number().int(),
    email: z.string(),
    name: z.string().nullable(),
    status: z.enum(subscriberStatuses),
    timezone: z.string().nullable(),
    createdAt: z.string(),
    confirmedAt: z.string().nullable(),
    series: z.array(
      z
        .object({ series: z.string(), status: z.string(), nextPart: z.number().int(), dueAt: z.string().nullable() })
        .loose(),
    ),
  })
  .loose();

export interface SubscribersOptions {
  q?: string;
  status?: string;
  series?: string;
  limit?: number;
  cursor?: string;
  all?: boolean;
}

/** GET /subscribers: one page, or every page with --all (following next_cursor). */
export async function subscribersCommand(client: AdminClient, options: SubscribersOptions, json: boolean) {
  const query = {
    q: options.q,
    status: options.status,
    series: options.series,
    limit: options.limit,
    cursor: options.cursor,
  };
  const items: z.infer<typeof subscriberSchema>[] = [];
  let nextCursor: string | null = null;
  for await (const page of client.pages(subscriberSchema, "/subscribers", query, options.all ?? false)) {
    items.push(...page.data);
    nextCursor = page.has_more ? page.next_cursor : null;
  }
  if (json) return printJson({ data: items, has_more: nextCursor !== null, next_cursor: nextCursor });
  if (items.length === 0) printLine("No subscribers match.");
  else {
    const where = (s: z.infer<typeof subscriberSchema>) =>
      s.series.map((p) => `${p.series} (${p.status}, next part ${p.nextPart})`).join("\n");
    printLine(
      table(
        ["id", "email", "name", "status", "series", "created"],
        items.map((s) => [s.id, s.email, s.name, s.status, where(s), s.createdAt]),
      ),
    );
  }
  if (nextCursor !== null) note(`More subscribers: --cursor ${nextCursor}, or --all for every page.`);
}

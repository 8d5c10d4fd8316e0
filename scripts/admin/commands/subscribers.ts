import { type SubscriberItem, subscriberPageSchema } from "../../../worker/routes/admin-api/subscribers-schema";
import type { AdminClient } from "../client";
import { note, printJson, printLine, table } from "../output";

export interface SubscribersOptions {
  q?: string;
  status?: string;
  series?: string;
  limit?: number;
  cursor?: string;
  all?: boolean;
}

/** GET /subscribers, parsed with the API's schema: one page, or every page with --all (following next_cursor). */
export async function subscribersCommand(client: AdminClient, options: SubscribersOptions, json: boolean) {
  const query = {
    q: options.q,
    status: options.status,
    series: options.series,
    limit: options.limit,
    cursor: options.cursor,
  };
  const items: SubscriberItem[] = [];
  let nextCursor: string | null = null;
  for await (const page of client.pages(subscriberPageSchema, "/subscribers", query, options.all ?? false)) {
    items.push(...page.data);
    nextCursor = page.has_more ? page.next_cursor : null;
  }
  if (json) return printJson({ data: items, has_more: nextCursor !== null, next_cursor: nextCursor });
  if (items.length === 0) printLine("No subscribers match.");
  else {
    const where = (s: SubscriberItem) =>
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

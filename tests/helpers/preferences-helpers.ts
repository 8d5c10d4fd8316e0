/**
 * Readers on their preference page (tests/routes/preferences-*.test.ts): signed up and confirmed through the real
 * routes, part 1 sent by the real cycle into the outbox, the page reached from that email's footer link.
 */
import { env } from "cloudflare:workers";
import { runCycle } from "../../worker/delivery/run-cycle";
import { testDepsAt } from "./test-deps";
import {
  BASE,
  decodeEntities,
  extractLinks,
  get,
  postForm,
  signUpAndConfirm,
  uniqueEmail,
  type PostOptions,
} from "./route-helpers";
import { outboxFor, subscriptionsOf, type OutboxRow, type SubscriptionRow } from "./rows";

export interface PageReader {
  email: string;
  subscriberId: number;
  series: string;
  /** Part 1's email, and the token of its footer's preference link. */
  part1: OutboxRow;
  token: string;
}

/** The footer's preference link of a part email: `/prefs/<reader token>`, in the html and the text part alike. */
export function preferencesLinkOf(email: OutboxRow): string {
  const links = extractLinks(email.html).filter((href) => href.startsWith(`${BASE}/prefs/`));
  if (links.length !== 1) throw new Error(`expected one preference link in "${email.subject}", found ${links.length}`);
  if (!email.text.includes(`Your preferences: ${links[0]}`))
    throw new Error(`the text part of "${email.subject}" lacks the preference link`);
  return links[0]!;
}

/** What the cron does every minute, for one reader only, at `at`: the summary of that cycle. */
export const cycleFor = (subscriberId: number, at = Date.now()) =>
  runCycle(testDepsAt(at), { batchSize: 100, maxBatches: 10, concurrency: 1, filter: { subscriberId } });

/**
 * A reader of `series` who confirmed and received part 1, sent by a cycle for them alone at `at` (by default when
 * it is due: now, or when the series' window opens).
 */
export async function readerWithPart1(
  options: { series?: string; name?: string; email?: string; at?: number } = {},
): Promise<PageReader> {
  const series = options.series ?? "fixture-four";
  const signed = await signUpAndConfirm(options.email ?? uniqueEmail("prefs"), {
    series,
    ...(options.name ? { name: options.name } : {}),
  });
  const id = signed.subscriber.id;
  const due = (await subscriptionOf(id, series)).dueAt!;
  await cycleFor(id, options.at ?? Math.max(Date.now(), due));
  const part1 = (await outboxFor(signed.email)).find((mail) => !mail.subject.startsWith("Confirm"));
  if (!part1) throw new Error(`part 1 was not sent to ${signed.email}`);
  const link = preferencesLinkOf(part1);
  return { email: signed.email, subscriberId: id, series, part1, token: link.slice(link.lastIndexOf("/") + 1) };
}

/** The reader's subscription to `series`. */
export async function subscriptionOf(subscriberId: number, series: string): Promise<SubscriptionRow> {
  const found = (await subscriptionsOf(subscriberId)).find((row) => row.series === series);
  if (!found) throw new Error(`reader ${subscriberId} has no subscription to ${series}`);
  return found;
}

export const openPage = (token: string) => get(`/prefs/${token}`);

/** A button of the page: its form posted as a browser would (same origin, the token in the body). */
export const press = (action: string, token: string, fields: Record<string, string> = {}, options: PostOptions = {}) =>
  postForm(`/prefs/${action}`, { token, ...fields }, options);

/** Every form of a page: where it posts and its fields (hidden inputs, and each button's name=value). */
export function formsOf(html: string): { action: string; fields: Record<string, string>; buttons: string[] }[] {
  return [...html.matchAll(/<form method="post" action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/g)].map((m) => ({
    action: decodeEntities(m[1]!),
    fields: Object.fromEntries(
      [...m[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)].map((f) => [
        f[1]!,
        decodeEntities(f[2]!),
      ]),
    ),
    buttons: [...m[2]!.matchAll(/<button[^>]*>([\s\S]*?)<\/button>/g)].map((b) =>
      decodeEntities(b[1]!.replace(/<[^>]+>/g, "")),
    ),
  }));
}

/** Every row of the tables a press may change, for "a GET changes nothing". */
export async function snapshot(): Promise<string> {
  const tables = [
    "subscribers",
    "subscriptions",
    "deliveries",
    "consents",
    "events",
    "series_days",
    "part_stats",
    "batches",
    "suppressions",
  ];
  const rows = await Promise.all(tables.map((table) => env.DB.prepare(`SELECT * FROM ${table} ORDER BY rowid`).all()));
  return JSON.stringify(rows.map((result) => result.results));
}

import { createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { Webhook } from "standardwebhooks";
import { expect } from "vitest";
import { findSeries } from "../../worker/content/catalog";
import worker from "../../worker/index";
import { runCycleAt, seedReaders } from "./delivery-helpers";
import { adminFetch, BASE } from "./route-helpers";

/** A Resend event as Resend sends it: `{ type, created_at, data: { email_id, to, …, tags } }`. */
export function resendEvent(type: string, emailId: string, to = "reader@example.com", tags?: unknown) {
  const event = {
    type,
    created_at: new Date().toISOString(),
    data: {
      email_id: emailId,
      to: [to],
      from: "series@example.com",
      subject: "Part 1",
      created_at: new Date().toISOString(),
      ...(tags === undefined ? {} : { tags }),
    },
  };
  return event;
}

export interface SignOptions {
  id?: string;
  /** Seconds since the epoch; defaults to now. */
  timestamp?: number;
  secret?: string;
}

/** Svix headers for `body`, signed as Resend signs (standardwebhooks, the library the resend SDK verifies with). */
export function signWebhook(body: string, options: SignOptions = {}) {
  const id = options.id ?? `msg_${crypto.randomUUID()}`;
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signature = new Webhook(options.secret ?? env.RESEND_WEBHOOK_SECRET!).sign(
    id,
    new Date(timestamp * 1000),
    body,
  );
  return { "svix-id": id, "svix-timestamp": String(timestamp), "svix-signature": signature };
}

/**
 * Posts to the webhook route. By default to the Worker without its feedback queue, so the event is recorded
 * within the request and a test reads the result at once; `queued` goes through the real queue and consumer.
 */
export async function postWebhook(
  body: string,
  headers: Record<string, string>,
  options: { queued?: boolean } = {},
): Promise<Response> {
  const request = new Request(`${BASE}/webhooks/resend`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  if (options.queued) return SELF.fetch(request);
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...env, FEEDBACK_QUEUE: undefined }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** Signs and posts an event; returns the response and the svix id used. */
export async function sendEvent(event: unknown, options: SignOptions & { queued?: boolean } = {}) {
  const body = JSON.stringify(event);
  const headers = signWebhook(body, options);
  const res = await postWebhook(body, headers, { queued: options.queued });
  return { res, id: headers["svix-id"], body: (await res.json()) as Record<string, unknown> };
}

/** The counters of part `part` (its position today) of a series: they are kept under the part's id. */
export async function partStats(series: string, part: number) {
  const id = findSeries(series)!.parts[part - 1]!.id;
  return env.DB.prepare("SELECT * FROM part_stats WHERE series = ?1 AND part_id = ?2")
    .bind(series, id)
    .first<Record<string, number>>();
}

/** The stats endpoint's answer, as the tests read it. */
export interface StatsBody {
  series: {
    series: string;
    paused: boolean;
    pauseReason: string | null;
    subscribers: Record<string, number>;
    complaintGuard: Record<string, unknown>;
    parts: Record<string, number>[];
  }[];
  notes: Record<string, string>;
  openedUnreliable: boolean;
  d1: { rowsRead: number; statements: number };
}

export async function adminStats(series?: string): Promise<StatsBody> {
  const res = await adminFetch(`/admin/api/stats${series ? `?series=${series}` : ""}`);
  expect(res.status).toBe(200);
  return (await res.json()) as StatsBody;
}

/** The webhook tests' clock and series: readers are sent part 1 of fixture-four at this instant. */
export const WEBHOOK_T0 = Date.UTC(2026, 0, 5, 12, 0);
export const WEBHOOK_SERIES = "fixture-four";

/** Readers who have just been sent part 1 (through the local outbox, which gives provider ids). */
export async function sentReaders(prefix: string, count: number) {
  await seedReaders({ series: WEBHOOK_SERIES, count, prefix, dueAt: WEBHOOK_T0 });
  await runCycleAt(WEBHOOK_T0);
  const { results } = await env.DB.prepare(
    `SELECT d.id, d.provider_message_id AS messageId, d.subscriber_id AS subscriberId, d.to_email AS email
     FROM deliveries d WHERE d.to_email LIKE ?1 || '%' ORDER BY d.id`,
  )
    .bind(prefix)
    .all<{ id: number; messageId: string; subscriberId: number; email: string }>();
  expect(results).toHaveLength(count);
  return results;
}

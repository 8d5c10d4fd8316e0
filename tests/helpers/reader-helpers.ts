/**
 * Readers who already received a part: a subscriber, their subscription and the delivery row, inserted
 * directly (the delivery cycle itself is tested in tests/delivery/), with the tokens their email carried.
 */
import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { expect, vi } from "vitest";
import { signDeliveryTokens, type DeliveryTokens } from "../../worker/tokens";
import { testKeyring, uniqueEmail, uniqueIp, url } from "./route-helpers";
import { clicksOf, partIdOf } from "./rows";

export const BROWSER_UA =
  "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36";

export interface DeliveredReader {
  email: string;
  subscriberId: number;
  deliveryId: number;
  series: string;
  part: number;
  partId: string;
  tokens: DeliveryTokens;
}

/** A reader whose email of `part` left `sentAgoMs` ago (a minute by default: clicks are not "too soon"). */
export async function deliveredReader(
  options: { series?: string; part?: number; sentAgoMs?: number; email?: string } = {},
): Promise<DeliveredReader> {
  const series = options.series ?? "origins-of-lead-change";
  const part = options.part ?? 1;
  const email = options.email ?? uniqueEmail("delivered");
  const now = Date.now();
  const sentAt = now - (options.sentAgoMs ?? 60_000);
  const subscriber = await env.DB.prepare(
    `INSERT INTO subscribers (email, email_key, name, status, created_at, updated_at, confirmed_at)
     VALUES (?1, lower(?1), 'Reader', 'active', ?2, ?2, ?2) RETURNING id`,
  )
    .bind(email, sentAt)
    .first<{ id: number }>();
  const subscription = await env.DB.prepare(
    `INSERT INTO subscriptions (subscriber_id, series, status, next_part, last_sent_at, created_at, updated_at)
     VALUES (?1, ?2, 'active', ?3, ?4, ?4, ?4) RETURNING id`,
  )
    .bind(subscriber!.id, series, part + 1, sentAt)
    .first<{ id: number }>();
  const delivery = await env.DB.prepare(
    `INSERT INTO deliveries (subscription_id, subscriber_id, series, part_id, part_number, batch_id, status, to_email, created_at, sent_at)
     VALUES (?1, ?2, ?3, ?7, ?4, 'test-batch', 'sent', ?5, ?6, ?6) RETURNING id`,
  )
    .bind(subscription!.id, subscriber!.id, series, part, email, sentAt, partIdOf(series, part))
    .first<{ id: number }>();
  return {
    email,
    subscriberId: subscriber!.id,
    deliveryId: delivery!.id,
    series,
    part,
    partId: partIdOf(series, part),
    tokens: await signDeliveryTokens(testKeyring(), delivery!.id),
  };
}

/** Link n of the reader's email, as composePartEmail writes it: /a/<reader token>/<series>/<part id>/<n>. */
export const actionPath = (reader: Pick<DeliveredReader, "tokens" | "series" | "partId">, n: number | string) =>
  `/a/${reader.tokens.reader}/${reader.series}/${reader.partId}/${n}`;

/**
 * Follows an action link as a mail app's browser would (a desktop browser's user agent unless told), from a
 * client address of its own unless told (clicks are rate limited per client).
 */
export const click = (path: string, headers: Record<string, string> = { "user-agent": BROWSER_UA }, method = "GET") =>
  SELF.fetch(url(path), { method, headers: { "cf-connecting-ip": uniqueIp(), ...headers }, redirect: "manual" });

/** Clicks reach D1 through the click queue after the answer: wait for the expected number of rows. */
export const clicksSettle = (deliveryId: number, count: number) =>
  vi.waitFor(async () => expect(await clicksOf(deliveryId)).toHaveLength(count), { timeout: 10_000, interval: 50 });

/**
 * The reader token of an email of part 1 of `series` to this reader (a signed-up one), its delivery recorded as
 * sent and nothing else changed: what the email's unsubscribe link `/u/<token>` carries.
 */
export async function readerTokenOf(subscriberId: number, series = "origins-of-lead-change"): Promise<string> {
  const delivery = await env.DB.prepare(
    `INSERT INTO deliveries (subscription_id, subscriber_id, series, part_id, part_number, batch_id, status, to_email, created_at, sent_at)
     SELECT s.id, s.subscriber_id, s.series, ?3, 1, 'test-batch', 'sent', r.email, ?4, ?4
     FROM subscriptions s JOIN subscribers r ON r.id = s.subscriber_id WHERE s.subscriber_id = ?1 AND s.series = ?2
     ON CONFLICT (subscription_id, part_id) DO UPDATE SET sent_at = sent_at RETURNING id`,
  )
    .bind(subscriberId, series, partIdOf(series, 1), Date.now() - 60_000)
    .first<{ id: number }>();
  if (!delivery) throw new Error(`reader ${subscriberId} has no subscription to ${series}`);
  return signDeliveryTokens(testKeyring(), delivery.id).reader;
}

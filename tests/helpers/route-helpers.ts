/**
 * Shared helpers for the HTTP route tests (tests/routes/*). Everything goes through `SELF.fetch`, the
 * Worker's real entry point, and reads D1 directly to check what a request changed.
 *
 * Storage with @cloudflare/vitest-plugin 1.5.0: each test FILE gets its own D1 (files never see each
 * other's rows), but tests within one file share it (a row written by one test is still there in the next).
 * So every test uses its own addresses (uniqueEmail) and its own client IP (uniqueIp: the signup rate limit
 * is keyed by CF-Connecting-IP), and asserts on its own rows or on before/after counts, never on totals.
 */
import { SELF } from "cloudflare:test";
import { waitForGlobalWaitUntil } from "cloudflare:test-internal";
import { env } from "cloudflare:workers";
import { readConfig } from "../../worker/config";
import { base64url, hmacSign } from "../../worker/lib/crypto";
import type { Keyring } from "../../worker/lib/keyring";
import { findSubscriber, outboxFor, type OutboxRow, type SubscriberRow } from "./rows";

export const BASE = "https://news.example.com";
export const ORIGIN = BASE;
export const DEFAULT_SERIES = "origins-of-lead-change";
export const ADMIN_TOKEN = "test-admin-token";

/** The JSON answer to every accepted signup (the html page names the typed address instead). */
export const CHECK_INBOX = "Almost there: check your inbox for a link to confirm your subscription.";
export const INVALID_EMAIL = "Please enter a valid email address, like name@example.com.";

/** A fresh, valid address: `<label>-<random>@example.com`. */
export function uniqueEmail(label = "reader", domain = "example.com"): string {
  return `${label}-${crypto.randomUUID().slice(0, 12)}@${domain}`;
}

/** A fresh client IP from TEST-NET-3 plus a random IPv6 tail, so no two tests share a rate-limit key. */
export function uniqueIp(): string {
  const hex = () => crypto.getRandomValues(new Uint16Array(1))[0]!.toString(16);
  return `2001:db8:${hex()}:${hex()}:${hex()}:${hex()}:${hex()}:${hex()}`;
}

export interface PostOptions {
  /** Defaults to a fresh uniqueIp(); pass a fixed one to exercise the rate limit. */
  ip?: string;
  /** Defaults to the site's own origin; null sends no Origin header. */
  origin?: string | null;
  headers?: Record<string, string>;
}

function baseHeaders(options: PostOptions, contentType: string | null): Headers {
  const headers = new Headers(options.headers);
  if (contentType && !headers.has("content-type")) headers.set("content-type", contentType);
  const origin = options.origin === undefined ? ORIGIN : options.origin;
  if (origin !== null && !headers.has("origin")) headers.set("origin", origin);
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", options.ip ?? uniqueIp());
  return headers;
}

/**
 * Waits for the Worker's background work (ctx.waitUntil: a signup's writes and its confirmation email) of
 * every request so far, as a reader waits for the email; a test then asserts on counts, never on timings.
 */
export const settled = () => waitForGlobalWaitUntil();

/** A request whose background work has finished when it resolves. */
async function fetchSettled(input: string, init: RequestInit): Promise<Response> {
  const res = await SELF.fetch(input, init);
  await settled();
  return res;
}

export function url(path: string): string {
  return path.startsWith("http") ? path : `${BASE}${path}`;
}

export function get(path: string, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(url(path), { headers, redirect: "manual" });
}

/** application/x-www-form-urlencoded, as a browser posts the signup form. */
export function postForm(
  path: string,
  fields: Record<string, string> | URLSearchParams | string,
  options: PostOptions = {},
): Promise<Response> {
  const body = typeof fields === "string" ? fields : new URLSearchParams(fields).toString();
  return fetchSettled(url(path), {
    method: "POST",
    headers: baseHeaders(options, "application/x-www-form-urlencoded"),
    body,
    redirect: "manual",
  });
}

/** A JSON API call; `body` may be a string to send exactly those bytes. */
export function postJson(path: string, body: unknown, options: PostOptions = {}): Promise<Response> {
  return fetchSettled(url(path), {
    method: "POST",
    headers: baseHeaders(options, "application/json"),
    body: typeof body === "string" ? body : JSON.stringify(body),
    redirect: "manual",
  });
}

export function subscribeForm(fields: Record<string, string>, options: PostOptions = {}): Promise<Response> {
  return postForm("/subscribe", fields, options);
}

export function subscribeJson(body: unknown, options: PostOptions = {}): Promise<Response> {
  return postJson("/subscribe", body, options);
}

/**
 * Runs `attempt` with a fresh IP until it runs inside one rate-limit window. The local limiter counts in
 * windows aligned to the wall clock (miniflare: epoch = floor(now / period)), so a burst that happens to
 * straddle a window boundary starts counting afresh; such a run says nothing and is repeated (at most 3 times).
 */
export async function inOneRateWindow<T>(periodSeconds: number, attempt: (ip: string) => Promise<T>): Promise<T> {
  const windowOf = () => Math.floor(Date.now() / (periodSeconds * 1000));
  for (let run = 1; ; run++) {
    const start = windowOf();
    const result = await attempt(uniqueIp());
    if (windowOf() === start || run === 3) return result;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Links and tokens

/** Every href in an html document, entity-decoded. */
export function extractLinks(html: string): string[] {
  return [...html.matchAll(/href="([^"]*)"/g)].map((m) => decodeEntities(m[1]!));
}

export function decodeEntities(text: string): string {
  return text
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}

/** Text as hono's JSX escapes it into html (text and attribute values alike). */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** How the "Check your inbox" page (form signups) names the address the reader typed: normalized, escaped. */
export const sentLinkTo = (address: string) =>
  `We sent a link to <strong>${escapeHtml(address)}</strong>. Click it to confirm`;

const linkIn = (kind: "confirm" | "unsubscribe") =>
  new RegExp(`${BASE.replace(/\./g, "\\.")}/${kind}/[A-Za-z0-9_-]+(?:\\.[A-Za-z0-9_-]+)+`, "g");

/** The confirm link of an email, checked to be the same in the html and the text part. */
export function confirmLinkOf(email: OutboxRow): string {
  const inHtml = extractLinks(email.html).filter((href) => href.startsWith(`${BASE}/confirm/`));
  const inText: string[] = email.text.match(linkIn("confirm")) ?? [];
  if (inHtml.length === 0) throw new Error(`no confirm link in the html of "${email.subject}"`);
  if (!inText.includes(inHtml[0]!))
    throw new Error(`the text part of "${email.subject}" lacks the html's confirm link`);
  return inHtml[0]!;
}

/** The footer's unsubscribe link: `/u/<reader token>`. */
export function unsubscribeLinkOf(email: OutboxRow): string {
  const inHtml = extractLinks(email.html).filter((href) => href.startsWith(`${BASE}/u/`));
  if (inHtml.length === 0) throw new Error(`no unsubscribe link in the html of "${email.subject}"`);
  return inHtml[0]!;
}

/** "https://news.example.com/confirm/<token>" → "<token>". */
export const tokenOf = (link: string) => link.slice(link.lastIndexOf("/") + 1);

/** The Worker's own keyring (the test bindings' SIGNING_KEYS). */
export const testKeyring = (): Keyring => readConfig(env).keyring;

/** A ring the Worker does not know: what a forger would sign with. */
export const foreignKeyring = (kid = "t2"): Keyring => ({ keys: [{ kid, secret: "another-secret-0123456789abcdef" }] });

/**
 * `base64url(text).<HMAC>`, signed with the ring's newest key: the token format of links from before key ids and
 * per-email tokens, which no route accepts any more.
 */
export function oldFormatToken(text: string): string {
  const payload = base64url(new TextEncoder().encode(text));
  return `${payload}.${base64url(hmacSign(testKeyring().keys[0].secret, payload))}`;
}

/** The RFC 8058 one-click body a mailbox provider POSTs to List-Unsubscribe. */
export const ONE_CLICK = { "List-Unsubscribe": "One-Click" };

/** Flips one character in the middle of a base64url string (the last one may only carry padding bits). */
export function flipMiddle(text: string): string {
  const i = Math.floor(text.length / 2);
  const c = text[i]!;
  return text.slice(0, i) + (c === "A" ? "B" : "A") + text.slice(i + 1);
}

// ---------------------------------------------------------------------------------------------------------
// Flows

export interface SignedUp {
  email: string;
  subscriber: SubscriberRow;
  confirmEmail: OutboxRow;
  confirmLink: string;
}

/** Signs up through the form and returns the confirmation email the outbox received for it. */
export async function signUp(
  email = uniqueEmail(),
  fields: { name?: string; series?: string; timezone?: string } = {},
): Promise<SignedUp> {
  const before = (await outboxFor(email)).length;
  const res = await subscribeForm({ email, ...fields });
  if (res.status !== 200) throw new Error(`signup of ${email} answered ${res.status}: ${await res.text()}`);
  await res.body?.cancel();
  const mails = await outboxFor(email);
  if (mails.length !== before + 1)
    throw new Error(`expected one new confirmation email for ${email}, found ${mails.length - before}`);
  const confirmEmail = mails[mails.length - 1]!;
  const subscriber = await findSubscriber(email);
  if (!subscriber) throw new Error(`no subscriber row for ${email}`);
  return { email, subscriber, confirmEmail, confirmLink: confirmLinkOf(confirmEmail) };
}

/**
 * What a reader does with a confirmation link: opens it (GET shows a page with one button and changes
 * nothing), then presses the button (a same-origin POST to the same URL). Returns the answer to the POST.
 */
export async function confirmVia(link: string, ip = uniqueIp()): Promise<Response> {
  const page = await get(link);
  const html = await page.text();
  if (page.status !== 200) return new Response(html, { status: page.status, headers: page.headers });
  const action = /<form method="post" action="([^"]+)">/.exec(html)?.[1];
  if (!action) return new Response(html, { status: page.status, headers: page.headers });
  return postForm(decodeEntities(action), {}, { ip });
}

/** Signs up and confirms (page, then button): an active reader with part 1 due. */
export async function signUpAndConfirm(
  email = uniqueEmail(),
  fields: { name?: string; series?: string; timezone?: string } = {},
): Promise<SignedUp> {
  const signed = await signUp(email, fields);
  const res = await confirmVia(signed.confirmLink);
  if (res.status !== 200) throw new Error(`confirming ${email} answered ${res.status}: ${await res.text()}`);
  await res.body?.cancel();
  return { ...signed, subscriber: (await findSubscriber(email))! };
}

// ---------------------------------------------------------------------------------------------------------
// Admin API

export function adminFetch(path: string, init: RequestInit & { token?: string | null } = {}): Promise<Response> {
  const { token = ADMIN_TOKEN, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token !== null && !headers.has("authorization")) headers.set("authorization", `Bearer ${token}`);
  // Each call from its own client address: wrong-token tests must not lock the next test out (ADMIN_AUTH_LIMITER).
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", uniqueIp());
  return SELF.fetch(url(path), { ...rest, headers });
}

export function adminSend(body: unknown = {}): Promise<Response> {
  return adminFetch("/admin/api/send", {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** An API error body: `{ error: { code, message, requestId } }`. */
export interface ApiError {
  error: { code: string; message: string; requestId?: string };
}

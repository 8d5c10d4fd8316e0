import { base64url, hmacSign, timingSafeEqualStrings } from "../lib/crypto";

/** A dashboard session lasts this long; the expiry travels in the signed value and is checked here. */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/** Each key is derived from ADMIN_TOKEN with its own label: rotating the token signs every browser out. */
const COOKIE_KEY_LABEL = "nextpart dashboard session cookie v1";
const CSRF_LABEL = "nextpart dashboard csrf v1:";

export interface Session {
  /** Random, per sign-in: the CSRF token is derived from it. */
  id: string;
  expiresAt: number;
  /** The session epoch it was issued in (session-epoch.ts): "sign out everywhere" moves the current one on. */
  epoch: number;
}

export async function sessionCookieKey(adminToken: string): Promise<string> {
  return base64url(await hmacSign(adminToken, COOKIE_KEY_LABEL));
}

export function newSession(epoch: number, now = Date.now()): Session {
  return { id: base64url(crypto.getRandomValues(new Uint8Array(18))), expiresAt: now + SESSION_TTL_MS, epoch };
}

/** `<expiresAt>.<epoch>.<id>`: only ever read back from a cookie whose signature checked out. */
export const serializeSession = (session: Session) => `${session.expiresAt}.${session.epoch}.${session.id}`;

/** Null when malformed or expired (a cookie's Max-Age is the browser's promise, not ours); the epoch is the caller's to check. */
export function parseSession(value: string, now = Date.now()): Session | null {
  const match = /^(\d{13,15})\.(0|[1-9]\d{0,8})\.([A-Za-z0-9_-]{24})$/.exec(value);
  if (!match) return null;
  const expiresAt = Number(match[1]);
  if (expiresAt <= now || expiresAt > now + SESSION_TTL_MS) return null;
  return { id: match[3]!, expiresAt, epoch: Number(match[2]) };
}

/** The hidden field of every dashboard form: bound to the session, never stored. */
export async function csrfTokenFor(adminToken: string, session: Session): Promise<string> {
  return base64url(await hmacSign(adminToken, CSRF_LABEL + session.id));
}

export function sameCsrfToken(given: unknown, expected: string): Promise<boolean> {
  return typeof given === "string" && given.length > 0 && given.length <= 200
    ? timingSafeEqualStrings(given, expected)
    : Promise.resolve(false);
}

/**
 * Where to go after signing in: a dashboard page of this site, never elsewhere (no open redirect), never the
 * API or the sign-in page itself. Anything else falls back to the overview.
 */
export function safeNext(raw: unknown): string {
  const fallback = "/admin";
  if (typeof raw !== "string" || raw.length > 500 || !raw.startsWith("/") || /[\\\s]/.test(raw)) return fallback;
  let url: URL;
  try {
    url = new URL(raw, "https://dashboard.invalid");
  } catch {
    return fallback;
  }
  if (url.origin !== "https://dashboard.invalid") return fallback;
  const path = url.pathname;
  if (path !== "/admin" && !path.startsWith("/admin/")) return fallback;
  if (path.startsWith("/admin/api/") || path === "/admin/api" || path.startsWith("/admin/sign-")) return fallback;
  if (path.startsWith("/admin//")) return fallback;
  return path + url.search;
}

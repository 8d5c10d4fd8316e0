import type { Context } from "hono";
import { deleteCookie, getSignedCookie, setSignedCookie } from "hono/cookie";
import { createMiddleware } from "hono/factory";
import {
  csrfTokenFor,
  newSession,
  parseSession,
  safeNext,
  sameCsrfToken,
  serializeSession,
  sessionCookieKey,
  SESSION_TTL_MS,
} from "../sessions/admin-session";
import { readSessionEpoch } from "../sessions/session-epoch";
import { AppError } from "../errors";
import { readBody } from "./read-body";
import type { DashboardEnv } from "../routes/dashboard/dashboard-env";

/** Sent as `__Secure-nextpart_admin`: the prefix makes browsers refuse it without Secure. */
const COOKIE = "nextpart_admin";
const cookieOptions = {
  path: "/admin",
  httpOnly: true,
  secure: true,
  sameSite: "Strict",
  prefix: "secure",
} as const;

const adminTokenOf = (c: Context<DashboardEnv>) => c.var.deps.config.adminToken;

export async function startSession(c: Context<DashboardEnv>, adminToken: string): Promise<void> {
  const session = newSession(await readSessionEpoch(c.var.deps), c.var.deps.clock());
  await setSignedCookie(c, COOKIE, serializeSession(session), await sessionCookieKey(adminToken), {
    ...cookieOptions,
    maxAge: SESSION_TTL_MS / 1000,
  });
}

export function endSession(c: Context<DashboardEnv>): void {
  deleteCookie(c, COOKIE, cookieOptions);
}

/**
 * The CSRF token of the request's valid session, or null (no cookie, bad signature, expired, signed out
 * everywhere since, no ADMIN_TOKEN). Only a signed, unexpired cookie costs a read (the epoch's row).
 */
export async function currentCsrfToken(c: Context<DashboardEnv>): Promise<string | null> {
  const adminToken = adminTokenOf(c);
  if (!adminToken) return null;
  const value = await getSignedCookie(c, await sessionCookieKey(adminToken), COOKIE, "secure");
  const session = value ? parseSession(value) : null;
  if (!session || session.epoch !== (await readSessionEpoch(c.var.deps))) return null;
  return csrfTokenFor(adminToken, session);
}

/** Every page but sign-in: no valid session → 303 to sign-in, coming back here after (GETs only). */
export const requireSession = createMiddleware<DashboardEnv>(async (c, next) => {
  const token = await currentCsrfToken(c);
  if (!token) {
    const url = new URL(c.req.url);
    const back = c.req.method === "GET" ? safeNext(url.pathname + url.search) : "/admin";
    const query = back === "/admin" ? "" : `?${new URLSearchParams({ next: back })}`;
    return c.redirect(`/admin/sign-in${query}`, 303);
  }
  c.set("csrfToken", token);
  await next();
});

/** Double submit: every POST carries the session's token in a hidden field (after hono's origin check). */
export const requireCsrfToken = createMiddleware<DashboardEnv>(async (c, next) => {
  if (c.req.method !== "POST") return next();
  const body = (await readBody(c, ["form"])) as Record<string, string>;
  if (!(await sameCsrfToken(body.csrf, c.get("csrfToken")))) {
    throw new AppError(
      "FORBIDDEN",
      "This form has expired or did not come from the dashboard. Reload the page and try again.",
    );
  }
  await next();
});

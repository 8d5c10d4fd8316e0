/**
 * The dashboard as a browser uses it: sign in with the form, keep the session cookie, post forms with the
 * page's hidden token. Each sign-in from its own client address (wrong-token tests must not lock others out).
 */
import { SELF } from "cloudflare:test";
import { ADMIN_TOKEN, BASE, ORIGIN, decodeEntities, settled, uniqueIp } from "../helpers/route-helpers";

export const COOKIE_NAME = "__Secure-nextpart_admin";

export interface DashboardSession {
  /** `name=value`, as the browser sends it back. */
  cookie: string;
  /** The hidden `csrf` field of the session's forms. */
  csrf: string;
  ip: string;
}

export function postSignIn(
  fields: Record<string, string>,
  options: { ip?: string; origin?: string | null; cookie?: string } = {},
) {
  const headers = new Headers({
    "content-type": "application/x-www-form-urlencoded",
    "cf-connecting-ip": options.ip ?? uniqueIp(),
  });
  if (options.origin !== null) headers.set("origin", options.origin ?? ORIGIN);
  if (options.cookie) headers.set("cookie", options.cookie);
  return SELF.fetch(`${BASE}/admin/sign-in`, {
    method: "POST",
    headers,
    body: new URLSearchParams(fields).toString(),
    redirect: "manual",
  });
}

/** The session cookie a response sets (its `name=value` part), or null. */
export function sessionCookieOf(res: Response): string | null {
  const line = res.headers.getSetCookie().find((value) => value.startsWith(`${COOKIE_NAME}=`));
  return line ? line.split(";")[0]! : null;
}

export const csrfOf = (html: string) => decodeEntities(/name="csrf" value="([^"]*)"/.exec(html)?.[1] ?? "");

export async function signIn(ip = uniqueIp()): Promise<DashboardSession> {
  const res = await postSignIn({ token: ADMIN_TOKEN }, { ip });
  const cookie = sessionCookieOf(res);
  if (res.status !== 303 || !cookie) throw new Error(`sign-in answered ${res.status} without a session cookie`);
  const page = await dashboardGet("/admin", { cookie, ip });
  const csrf = csrfOf(await page.text());
  if (!csrf) throw new Error("the overview has no csrf field");
  return { cookie, csrf, ip };
}

export function dashboardGet(path: string, session?: { cookie: string; ip?: string }): Promise<Response> {
  const headers = new Headers({ "cf-connecting-ip": session?.ip ?? uniqueIp() });
  if (session) headers.set("cookie", session.cookie);
  return SELF.fetch(`${BASE}${path}`, { headers, redirect: "manual" });
}

/** A dashboard form post; `csrf` defaults to the session's own token (null leaves the field out). */
export async function dashboardPost(
  path: string,
  session: DashboardSession | null,
  fields: Record<string, string> = {},
  options: { csrf?: string | null; origin?: string | null } = {},
): Promise<Response> {
  const headers = new Headers({
    "content-type": "application/x-www-form-urlencoded",
    "cf-connecting-ip": session?.ip ?? uniqueIp(),
  });
  if (options.origin !== null) headers.set("origin", options.origin ?? ORIGIN);
  if (session) headers.set("cookie", session.cookie);
  const csrf = options.csrf === undefined ? session?.csrf : options.csrf;
  const body = new URLSearchParams({ ...(csrf === null || csrf === undefined ? {} : { csrf }), ...fields });
  const res = await SELF.fetch(`${BASE}${path}`, {
    method: "POST",
    headers,
    body: body.toString(),
    redirect: "manual",
  });
  await settled();
  return res;
}

/** The upload form as a browser posts it: multipart, the session's token, one file field. */
export async function dashboardUpload(
  path: string,
  session: DashboardSession | null,
  file: { name: string; content: string | Uint8Array } | null,
  options: { csrf?: string | null; origin?: string | null } = {},
): Promise<Response> {
  const form = new FormData();
  const csrf = options.csrf === undefined ? session?.csrf : options.csrf;
  if (csrf !== null && csrf !== undefined) form.set("csrf", csrf);
  if (file) form.set("file", new File([file.content], file.name, { type: "text/csv" }));
  const headers = new Headers({ "cf-connecting-ip": session?.ip ?? uniqueIp() });
  if (options.origin !== null) headers.set("origin", options.origin ?? ORIGIN);
  if (session) headers.set("cookie", session.cookie);
  const res = await SELF.fetch(`${BASE}${path}`, { method: "POST", headers, body: form, redirect: "manual" });
  await settled();
  return res;
}

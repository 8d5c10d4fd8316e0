import { createExecutionContext, SELF, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { generateSignedCookie } from "hono/cookie";
import { describe, expect, it } from "vitest";
import { sessionCookieKey } from "../../worker/sessions/admin-session";
import { readSessionEpoch } from "../../worker/sessions/session-epoch";
import { sessionEpochSql } from "../../worker/sessions/session-queries";
import worker from "../../worker/index";
import { explain, recordingD1 } from "../helpers/recording-d1";
import { ADMIN_TOKEN, adminFetch, BASE, inOneRateWindow } from "../helpers/route-helpers";
import { COOKIE_NAME, dashboardGet, dashboardPost, postSignIn, sessionCookieOf, signIn } from "./dashboard-helpers";

// wrangler.toml: ADMIN_AUTH_LIMITER allows 5 failures per client a minute.
const LIMIT = 5;

/** A cookie signed with the Worker's real key, carrying whatever value a test wants. */
async function forgedCookie(value: string, adminToken = ADMIN_TOKEN): Promise<string> {
  const line = await generateSignedCookie(COOKIE_NAME, value, await sessionCookieKey(adminToken), { secure: true });
  return line.split(";")[0]!;
}
const sessionId = () => "A".repeat(24);
/** `<expiresAt>.<epoch>.<id>` in the epoch sessions are issued in now (a sign-out everywhere moves it on). */
const sessionValue = async (expiresAt: number) =>
  `${expiresAt}.${await readSessionEpoch({ db: env.DB })}.${sessionId()}`;

/** The Worker with other bindings (a rotated or missing ADMIN_TOKEN): its config is read per env object. */
async function fetchWithEnv(overrides: Partial<typeof env>, path: string, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(`${BASE}${path}`, { redirect: "manual", ...init }),
    { ...env, ...overrides },
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

describe("dashboard sign-in", () => {
  it("shows a labelled password form and no navigation", async () => {
    const res = await dashboardGet("/admin/sign-in");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('<form method="post" action="/admin/sign-in">');
    expect(html).toContain('<label for="token">Admin token</label>');
    expect(html).toContain('type="password"');
    expect(html).not.toContain('aria-label="Dashboard"');
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("content-security-policy")).not.toContain("script-src");
  });

  it("the right token sets a signed, httpOnly, Secure, SameSite=Strict session cookie on /admin for 12 h", async () => {
    const res = await postSignIn({ token: ADMIN_TOKEN });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin");
    const cookies = res.headers.getSetCookie();
    expect(cookies).toHaveLength(1);
    const attributes = cookies[0]!.split(";").map((part) => part.trim());
    expect(attributes[0]).toMatch(new RegExp(`^${COOKIE_NAME}=\\d{13}\\.\\d+\\.[A-Za-z0-9_-]{24}\\.[^;]+$`));
    expect(attributes.slice(1).sort()).toEqual([
      "HttpOnly",
      "Max-Age=43200",
      "Path=/admin",
      "SameSite=Strict",
      "Secure",
    ]);
    // The value carries its expiry: 12 h from now.
    const expiresAt = Number(/=(\d{13})\./.exec(attributes[0]!)![1]);
    expect(Math.abs(expiresAt - (Date.now() + 12 * 3600_000))).toBeLessThan(60_000);
    const overview = await dashboardGet("/admin", { cookie: sessionCookieOf(res)! });
    expect(overview.status).toBe(200);
    expect(await overview.text()).toContain("<h1>Overview</h1>");
  });

  it("goes back to a safe dashboard page after signing in, never elsewhere", async () => {
    const cases: [string, string][] = [
      ["/admin/readers?q=ann", "/admin/readers?q=ann"],
      ["/admin/outbox", "/admin/outbox"],
      ["//evil.example/admin", "/admin"],
      ["https://evil.example/admin", "/admin"],
      ["/\\evil.example", "/admin"],
      ["/admin/../signup", "/admin"],
      ["/admin/api/subscribers", "/admin"],
      ["/admin/sign-in", "/admin"],
      ["/elsewhere", "/admin"],
    ];
    for (const [next, expected] of cases) {
      const res = await postSignIn({ token: ADMIN_TOKEN, next });
      expect(res.status, next).toBe(303);
      expect(res.headers.get("location"), next).toBe(expected);
    }
  });

  it("a wrong or empty token answers 401 with the form again and no cookie", async () => {
    for (const token of ["wrong", `${ADMIN_TOKEN}x`, ""]) {
      const res = await postSignIn({ token, next: "/admin/readers" });
      expect(res.status).toBe(401);
      expect(res.headers.getSetCookie()).toEqual([]);
      const html = await res.text();
      expect(html).toContain('role="alert"');
      expect(html).toContain("That is not the admin token.");
      expect(html).toContain('name="next" value="/admin/readers"');
    }
  });

  it("wrong tokens from one client: 401 up to the limit, then a 429 page; the right token still signs in", async () => {
    const run = await inOneRateWindow(60, async (ip) => {
      const statuses: number[] = [];
      const pages: string[] = [];
      for (let i = 0; i < LIMIT + 3; i++) {
        const res = await postSignIn({ token: `wrong-${i}` }, { ip });
        statuses.push(res.status);
        pages.push(await res.text());
      }
      const right = await postSignIn({ token: ADMIN_TOKEN }, { ip });
      const after = await postSignIn({ token: "wrong-after" }, { ip });
      await after.body?.cancel();
      return {
        statuses,
        last: pages.at(-1)!,
        right: right.status,
        cookie: sessionCookieOf(right),
        after: after.status,
      };
    });
    expect(run.statuses).toEqual([...Array<number>(LIMIT).fill(401), 429, 429, 429]);
    expect(run.last).toContain("Too many wrong admin tokens");
    expect(run.right).toBe(303);
    expect(run.cookie).not.toBeNull();
    expect(run.after).toBe(429);
  });

  it("a sign-in posted from another site is refused (403), before the token is even looked at", async () => {
    const res = await postSignIn({ token: ADMIN_TOKEN }, { origin: "https://evil.example" });
    expect(res.status).toBe(403);
    expect(res.headers.getSetCookie()).toEqual([]);
  });
});

describe("dashboard session", () => {
  it("every page without a session is a 303 to sign-in, with where to come back", async () => {
    for (const path of ["/admin", "/admin/readers?q=x", "/admin/outbox", "/admin/nothing-here"]) {
      const res = await dashboardGet(path);
      expect(res.status, path).toBe(303);
      expect(res.headers.get("location"), path).toBe(
        path === "/admin" ? "/admin/sign-in" : `/admin/sign-in?${new URLSearchParams({ next: path })}`,
      );
    }
  });

  it("a tampered, unsigned, expired, far-future or old-token cookie counts as no session", async () => {
    const good = (await signIn()).cookie;
    const [name, value] = [good.slice(0, good.indexOf("=")), good.slice(good.indexOf("=") + 1)];
    const later = Date.now() + 3600_000;
    const cookies = [
      `${name}=${value.replace(/^\d/, (d) => String((Number(d) + 1) % 10))}`, // expiry edited, signature kept
      `${name}=${value.replace(/^(\d+)\.(\d+)\./, (_, at, epoch) => `${at}.${Number(epoch) + 1}.`)}`, // epoch edited
      `${name}=${await sessionValue(later)}`, // no signature
      await forgedCookie(await sessionValue(Date.now() - 1000)), // properly signed, expired
      await forgedCookie(await sessionValue(Date.now() + 30 * 24 * 3600_000)), // longer than a session can last
      await forgedCookie(await sessionValue(later), "the-admin-token-before-rotation"),
      await forgedCookie(`${later}.${sessionId()}`), // the format before session epochs
      `nextpart_admin=${value}`, // without the __Secure- prefix
    ];
    for (const cookie of cookies) {
      const res = await dashboardGet("/admin", { cookie });
      expect(res.status, cookie).toBe(303);
      expect(res.headers.get("location")).toBe("/admin/sign-in");
    }
    // The same forger's value, signed with the real key and unexpired, is a session: the checks above are what refuse.
    expect((await dashboardGet("/admin", { cookie: await forgedCookie(await sessionValue(later)) })).status).toBe(200);
  });

  it("rotating ADMIN_TOKEN signs every browser out", async () => {
    const { cookie } = await signIn();
    const rotated = await fetchWithEnv({ ADMIN_TOKEN: "the-next-admin-token" }, "/admin", { headers: { cookie } });
    expect(rotated.status).toBe(303);
    expect(rotated.headers.get("location")).toBe("/admin/sign-in");
    expect((await dashboardGet("/admin", { cookie })).status).toBe(200);
  });

  it("without ADMIN_TOKEN nobody signs in: the form says what to set (503)", async () => {
    const res = await fetchWithEnv({ ADMIN_TOKEN: "" }, "/admin/sign-in", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: BASE, "cf-connecting-ip": "2001:db8::1" },
      body: "token=",
    });
    expect(res.status).toBe(503);
    expect(res.headers.getSetCookie()).toEqual([]);
    expect(await res.text()).toContain("ADMIN_TOKEN is not set for this Worker");
    expect((await fetchWithEnv({ ADMIN_TOKEN: "" }, "/admin")).status).toBe(303);
  });

  it("sign-out clears the cookie (with the form token), and the page after it is sign-in", async () => {
    const session = await signIn();
    expect((await dashboardPost("/admin/sign-out", session, {}, { csrf: null })).status).toBe(403);
    const res = await dashboardPost("/admin/sign-out", session);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/sign-in");
    const cleared = res.headers.getSetCookie().find((line) => line.startsWith(`${COOKIE_NAME}=`));
    expect(cleared).toMatch(/Max-Age=0/);
    expect(cleared).toMatch(/Path=\/admin/);
  });

  it("the API keeps its Bearer token: the dashboard's session middleware never answers under /admin/api", async () => {
    const res = await SELF.fetch(`${BASE}/admin/api/subscribers`, { redirect: "manual" });
    expect(res.status).toBe(401);
    const unknown = await SELF.fetch(`${BASE}/admin/api/nothing-here`, {
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
      redirect: "manual",
    });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { code: string } }).error.code).toBe("NOT_FOUND");
  });
});

describe("sign out everywhere", () => {
  const epochNow = () => readSessionEpoch({ db: env.DB });

  it("refuses every session issued before at its next request; a new sign-in and the API token still work", async () => {
    const [here, elsewhere] = [await signIn(), await signIn()];
    const overview = await (await dashboardGet("/admin", here)).text();
    expect(overview).toContain('<form method="post" action="/admin/sign-out-everywhere">');
    const before = await epochNow();

    const res = await dashboardPost("/admin/sign-out-everywhere", here);
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/sign-in?signed-out=everywhere");
    expect(res.headers.getSetCookie().find((line) => line.startsWith(`${COOKIE_NAME}=`))).toMatch(/Max-Age=0/);
    expect(await epochNow()).toBe(before + 1);
    const notice = await (await dashboardGet(res.headers.get("location")!)).text();
    expect(notice).toContain("Every browser signed in to the dashboard, this one included, is signed out.");

    for (const session of [here, elsewhere]) {
      for (const path of ["/admin", "/admin/readers"]) {
        const page = await dashboardGet(path, session);
        expect(page.status, path).toBe(303);
        expect(page.headers.get("location"), path).toMatch(/^\/admin\/sign-in/);
      }
      // The sign-in page shows its form (no redirect back to a page that refuses the session).
      expect((await dashboardGet("/admin/sign-in", session)).status).toBe(200);
      // A form posted with the old session and its token does nothing: here, another sign-out everywhere.
      const post = await dashboardPost("/admin/sign-out-everywhere", session);
      expect(post.headers.get("location")).toBe("/admin/sign-in");
    }
    expect(await epochNow()).toBe(before + 1);

    expect((await dashboardGet("/admin", await signIn())).status).toBe(200);
    expect((await adminFetch("/admin/api/subscribers?limit=1")).status).toBe(200);
  });

  it("only a POST with the session's form token, from this site, signs out everywhere", async () => {
    const session = await signIn();
    const before = await epochNow();
    expect((await dashboardPost("/admin/sign-out-everywhere", session, {}, { csrf: null })).status).toBe(403);
    expect((await dashboardPost("/admin/sign-out-everywhere", session, {}, { csrf: "forged" })).status).toBe(403);
    expect(
      (await dashboardPost("/admin/sign-out-everywhere", session, {}, { origin: "https://evil.example" })).status,
    ).toBe(403);
    expect(
      (await dashboardPost("/admin/sign-out-everywhere", null, {}, { csrf: session.csrf })).headers.get("location"),
    ).toBe("/admin/sign-in");
    expect((await dashboardGet("/admin/sign-out-everywhere", session)).status).toBe(404);
    expect(await epochNow()).toBe(before);
    expect((await dashboardGet("/admin", session)).status).toBe(200);
  });

  it("a session costs one primary-key read per request; a cookie that is not ours costs none", async () => {
    const { cookie } = await signIn();
    const reads = async (headers: Record<string, string>) => {
      const counted = recordingD1(env.DB);
      const res = await fetchWithEnv({ DB: counted.db }, "/admin/nothing-here", { headers });
      await res.body?.cancel();
      return { status: res.status, statements: counted.counts.statements };
    };
    expect(await reads({ cookie })).toEqual({ status: 404, statements: 1 });
    const foreign = await forgedCookie(await sessionValue(Date.now() + 3600_000), "not-our-admin-token");
    expect(await reads({ cookie: foreign })).toEqual({ status: 303, statements: 0 });
    expect(await reads({})).toEqual({ status: 303, statements: 0 });

    expect(await explain(sessionEpochSql.read, ["dashboard"])).toEqual([
      expect.stringMatching(
        /^SEARCH session_epochs USING (COVERING )?INDEX sqlite_autoindex_session_epochs_1 \(name=\?\)$/,
      ),
    ]);
  });
});

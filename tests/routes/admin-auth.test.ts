import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, adminFetch, inOneRateWindow, ORIGIN, uniqueIp } from "../helpers/route-helpers";

// wrangler.toml: ADMIN_AUTH_LIMITER allows 5 failures per client a minute.
const LIMIT = 5;

/** The three doors that take ADMIN_TOKEN, each from the given client: its status. */
const doors = {
  bearer: (token: string, ip: string) =>
    adminFetch("/admin/api/subscribers?limit=1", { token, headers: { "cf-connecting-ip": ip } }),
  basic: (token: string, ip: string) =>
    adminFetch("/admin/api/docs", {
      token: null,
      headers: { authorization: `Basic ${btoa(`admin:${token}`)}`, "cf-connecting-ip": ip },
    }),
  signIn: (token: string, ip: string) =>
    adminFetch("/admin/sign-in", {
      token: null,
      method: "POST",
      redirect: "manual",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, "cf-connecting-ip": ip },
      body: new URLSearchParams({ token }).toString(),
    }),
};
const RIGHT = { bearer: 200, basic: 200, signIn: 303 };

async function statusOf(res: Promise<Response>): Promise<number> {
  const answer = await res;
  await answer.body?.cancel();
  return answer.status;
}

describe("admin authentication failures are rate-limited per client", () => {
  it("40 wrong tokens from one client: 401 up to the limit, then 429 (RATE_LIMITED)", async () => {
    const run = await inOneRateWindow(60, async (ip) => {
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) statuses.push(await statusOf(doors.bearer(`wrong-${i}`, ip)));
      const last = await doors.bearer("wrong-again", ip);
      return { statuses, code: ((await last.json()) as { error: { code: string } }).error.code };
    });
    expect(run.statuses).toEqual([...Array<number>(LIMIT).fill(401), ...Array<number>(40 - LIMIT).fill(429)]);
    expect(run.code).toBe("RATE_LIMITED");
  });

  for (const door of Object.keys(doors) as (keyof typeof doors)[]) {
    it(`${door}: the right token passes from a client locked out by wrong ones, whose wrong tokens stay refused`, async () => {
      const run = await inOneRateWindow(60, async (ip) => {
        const wrong: number[] = [];
        for (let i = 0; i < LIMIT + 2; i++) wrong.push(await statusOf(doors[door](`wrong-${i}`, ip)));
        const right = [await statusOf(doors[door](ADMIN_TOKEN, ip)), await statusOf(doors[door](ADMIN_TOKEN, ip))];
        // A success does not refill the budget: guesses from the same network are still refused.
        const after = await statusOf(doors[door]("wrong-after", ip));
        return { wrong, right, after };
      });
      expect(run.wrong).toEqual([...Array<number>(LIMIT).fill(401), 429, 429]);
      expect(run.right).toEqual([RIGHT[door], RIGHT[door]]);
      expect(run.after).toBe(429);
    });
  }

  it("only failures count: an admin at work is never throttled", async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 3 * LIMIT; i++) expect(await statusOf(doors.bearer(ADMIN_TOKEN, ip))).toBe(200);
    // The budget is untouched: the next wrong tokens get their 401s.
    for (let i = 0; i < LIMIT; i++) expect(await statusOf(doors.bearer(`wrong-${i}`, ip))).toBe(401);
  });

  it("the API, the docs page and the dashboard's sign-in form share one budget; other clients are not affected", async () => {
    const run = await inOneRateWindow(60, async (ip) => {
      const seen: number[] = [];
      for (let i = 0; i < LIMIT; i++)
        seen.push(await statusOf([doors.bearer, doors.basic, doors.signIn][i % 3]!(`wrong-${i}`, ip)));
      for (const door of [doors.bearer, doors.basic, doors.signIn]) seen.push(await statusOf(door("wrong-over", ip)));
      return seen;
    });
    expect(run).toEqual([...Array<number>(LIMIT).fill(401), 429, 429, 429]);
    expect(await statusOf(doors.bearer("wrong-elsewhere", uniqueIp()))).toBe(401);
  });
});

import { describe, expect, it } from "vitest";
import { adminFetch, inOneRateWindow, uniqueIp } from "../helpers/route-helpers";

// wrangler.toml: ADMIN_AUTH_LIMITER allows 5 failures per client a minute.
const LIMIT = 5;

describe("admin authentication failures are rate-limited per client", () => {
  it("40 wrong tokens from one client: 401 up to the limit, then 429; a right token is not tried meanwhile", async () => {
    const run = await inOneRateWindow(60, async (ip) => {
      const statuses: number[] = [];
      for (let i = 0; i < 40; i++) {
        const res = await adminFetch("/admin/api/subscribers", { token: `wrong-${i}`, headers: { "cf-connecting-ip": ip } });
        statuses.push(res.status);
        await res.body?.cancel();
      }
      const locked = await adminFetch("/admin/api/subscribers", { headers: { "cf-connecting-ip": ip } });
      const body = (await locked.json()) as { error: { code: string } };
      return { statuses, locked: locked.status, code: body.error.code };
    });
    expect(run.statuses.filter((s) => s === 401)).toHaveLength(LIMIT);
    expect(run.statuses.filter((s) => s === 429)).toHaveLength(40 - LIMIT);
    expect(run.statuses.slice(0, LIMIT).every((s) => s === 401)).toBe(true);
    expect(run.locked).toBe(429);
    expect(run.code).toBe("RATE_LIMITED");
    // Another client is not affected.
    expect((await adminFetch("/admin/api/subscribers", { headers: { "cf-connecting-ip": uniqueIp() } })).status).toBe(200);
  });

  it("only failures count: an admin at work is never throttled", async () => {
    const ip = uniqueIp();
    for (let i = 0; i < 3 * LIMIT; i++) {
      const res = await adminFetch("/admin/api/subscribers?limit=1", { headers: { "cf-connecting-ip": ip } });
      expect(res.status).toBe(200);
      await res.body?.cancel();
    }
  });

  it("the dashboard's sign-in form shares the same budget", async () => {
    const statuses = await inOneRateWindow(60, async (ip) => {
      const seen: number[] = [];
      for (let i = 0; i < LIMIT + 3; i++) {
        const res = await adminFetch("/admin/sign-in", {
          token: null,
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded", origin: "https://news.example.com", "cf-connecting-ip": ip },
          body: `token=wrong-${i}`,
        });
        seen.push(res.status);
        await res.body?.cancel();
      }
      return seen;
    });
    expect(statuses).toEqual([...Array<number>(LIMIT).fill(401), 429, 429, 429]);
  });
});

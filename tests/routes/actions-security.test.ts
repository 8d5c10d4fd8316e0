import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { actionPath, BROWSER_UA, deliveredReader, click, clicksSettle } from "../helpers/reader-helpers";
import { BASE } from "../helpers/route-helpers";
import { subscriptionsOf } from "../helpers/rows";

/** Action links cannot be turned into an open redirect or a way to change a subscription. */

describe("GET /a/:token/:series/:part/:n: security", () => {
  it("the target never comes from the request: query strings, extra segments and host headers change nothing", async () => {
    const reader = await deliveredReader({ series: "fixture-four", part: 2 });
    const base = actionPath(reader, "");
    for (const path of [
      `${base}0?url=https://evil.example`,
      `${base}0?next=//evil.example&redirect=https://evil.example`,
    ]) {
      const res = await click(path, {
        "user-agent": BROWSER_UA,
        "x-forwarded-host": "evil.example",
        referer: "https://evil.example/",
      });
      expect(res.status).toBe(302);
      expect(res.headers.get("location")).toBe("https://example.com/fixture-four/cta-2");
    }
    for (const path of [
      `${base}0/https://evil.example`,
      `${base}https%3A%2F%2Fevil.example`,
      `${base}/evil.example`,
      `/a/${reader.tokens.reader}/0`,
    ]) {
      const res = await click(path);
      expect(res.status, path).toBe(404);
      expect(res.headers.get("location")).toBeNull();
    }
    // A relative target resolves against PUBLIC_URL, whatever host the request came to.
    const relative = await SELF.fetch(`https://evil.example${base}1`, {
      headers: { "user-agent": BROWSER_UA },
      redirect: "manual",
    });
    expect(relative.headers.get("location")).toBe(`${BASE}/p/fixture-four`);
    await clicksSettle(reader.deliveryId, 3);
  });

  it("a GET never changes a subscription", async () => {
    const reader = await deliveredReader();
    const before = await subscriptionsOf(reader.subscriberId);
    const subscriber = () =>
      env.DB.prepare("SELECT status, updated_at FROM subscribers WHERE id = ?1").bind(reader.subscriberId).first();
    const subscriberBefore = await subscriber();
    for (const path of [actionPath(reader, 0), `/u/${reader.tokens.reader}`, `/respond/${reader.tokens.reader}`]) {
      expect((await click(path)).status).toBeLessThan(400);
    }
    await clicksSettle(reader.deliveryId, 1);
    expect(await subscriptionsOf(reader.subscriberId)).toEqual(before);
    expect(await subscriber()).toEqual(subscriberBefore);
  });
});

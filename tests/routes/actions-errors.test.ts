import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signDeliveryTokens } from "../../worker/tokens";
import { deliveredReader, click } from "../helpers/reader-helpers";
import { testKeyring } from "../helpers/route-helpers";
import { clicksOf } from "../helpers/rows";

/** Action links that do not work: a friendly 4xx page, nothing recorded. */

describe("GET /a/:token/:n: errors", () => {
  it("a tampered, unknown or wrong-kind token is a friendly 400 page, and records nothing", async () => {
    const reader = await deliveredReader();
    const [id, tag] = reader.tokens.reader.split(".") as [string, string];
    const flipped = `${tag.slice(0, -1)}${tag.endsWith("A") ? "B" : "A"}`;
    const unknown = await signDeliveryTokens(testKeyring(), 987_654_321);
    const before = await env.DB.prepare("SELECT count(*) AS n FROM clicks").first<{ n: number }>();
    for (const token of [
      `${id}.${flipped}`,
      `${Number(id) + 1}.${tag}`,
      reader.tokens.referral, // the shareable tag must not act as the reader
      unknown.reader, // well signed, but no such delivery
      "1.AAAAAAAAAAAAAAAAAAAAAA",
      "not-a-token",
      `${id}.${tag}.extra`,
      "%3Cscript%3E",
      "0.AAAAAAAAAAAAAAAAAAAAAA",
      "9".repeat(40) + ".AAAAAAAAAAAAAAAAAAAAAA",
    ]) {
      const res = await click(`/a/${token}/0`);
      expect(res.status, token).toBe(400);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(await res.text()).toContain("This link does not work");
    }
    const after = await env.DB.prepare("SELECT count(*) AS n FROM clicks").first<{ n: number }>();
    expect(after!.n).toBe(before!.n);
  });

  it("an unknown link number is a 404 page, and records nothing", async () => {
    const reader = await deliveredReader();
    for (const n of ["2", "99", "-1", "01", "1.0", "abc", "1e3", "00", "99999"]) {
      const res = await click(`/a/${reader.tokens.reader}/${n}`);
      expect(res.status, n).toBe(404);
      expect(await res.text()).toContain("This email has no such link.");
    }
    expect(await clicksOf(reader.deliveryId)).toEqual([]);
  });
});

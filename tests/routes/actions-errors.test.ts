import { describe, expect, it } from "vitest";
import { signDeliveryTokens } from "../../worker/tokens";
import { clickOf, consumeClicks } from "../helpers/click-helpers";
import { actionPath, deliveredReader, click } from "../helpers/reader-helpers";
import { testKeyring } from "../helpers/route-helpers";
import { clicksOf, countRows, partStat } from "../helpers/rows";

/** Action links that do not work: a friendly 4xx page, nothing recorded. */

const clickCount = () => countRows("clicks");

describe("GET /a/:token/:series/:part/:n: errors", () => {
  it("a tampered or wrong-kind token is a friendly 400 page, and records nothing", async () => {
    const reader = await deliveredReader();
    const [kid, id, tag] = reader.tokens.reader.split(".") as [string, string, string];
    const flipped = `${tag.slice(0, -1)}${tag.endsWith("A") ? "B" : "A"}`;
    const before = await clickCount();
    for (const token of [
      `${kid}.${id}.${flipped}`,
      `${kid}.${id.slice(0, -1)}${id.endsWith("A") ? "B" : "A"}.${tag}`,
      reader.tokens.referral, // the shareable tag must not act as the reader
      "1.AAAAAAAAAAAAAAAAAAAAAA",
      "not-a-token",
      `${reader.tokens.reader}.extra`,
      "%3Cscript%3E",
      "0.AAAAAAAAAAAAAAAAAAAAAA",
      `${"9".repeat(40)}.AAAAAAAAAAAAAAAAAAAAAA`,
    ]) {
      const res = await click(actionPath({ ...reader, tokens: { ...reader.tokens, reader: token } }, 0));
      expect(res.status, token).toBe(400);
      expect(res.headers.get("content-type")).toContain("text/html");
      expect(await res.text()).toContain("This link does not work");
    }
    expect(await clickCount()).toBe(before);
  });

  it("an unknown series or part is a 404 page, and records nothing", async () => {
    const reader = await deliveredReader();
    for (const [series, partId] of [
      ["no-such-series", reader.partId],
      [reader.series, "no-such-part"],
      ["fixture-four", reader.partId], // a part id of another series
      ["Origins-Of-Lead-Change", reader.partId],
    ] as const) {
      const res = await click(actionPath({ ...reader, series, partId }, 0));
      expect(res.status, `${series}/${partId}`).toBe(404);
      expect(await res.text()).toContain("This part is no longer published.");
    }
    expect(await clicksOf(reader.deliveryId)).toEqual([]);
  });

  it("an unknown link number is a 404 page, and records nothing", async () => {
    const reader = await deliveredReader();
    for (const n of ["2", "99", "-1", "01", "1.0", "abc", "1e3", "00", "99999"]) {
      const res = await click(actionPath(reader, n));
      expect(res.status, n).toBe(404);
      expect(await res.text()).toContain("This email has no such link.");
    }
    expect(await clicksOf(reader.deliveryId)).toEqual([]);
  });

  it("a well-signed token of no delivery (erased), or a part it was not sent with, leads on but is never recorded", async () => {
    const reader = await deliveredReader({ series: "fixture-four", part: 2 });
    const erased = { ...reader, deliveryId: 987_654_321, tokens: await signDeliveryTokens(testKeyring(), 987_654_321) };
    // Answered from the token and the catalog (public targets); the consumer finds no such delivery, or another part.
    expect((await click(actionPath(erased, 0))).headers.get("location")).toBe("https://example.com/fixture-four/cta-2");
    const otherPart = { ...reader, partId: "fixture-part-3" };
    expect((await click(actionPath(otherPart, 0))).headers.get("location")).toBe(
      "https://example.com/fixture-four/cta-3",
    );

    const before = await partStat("fixture-four", 3);
    const at = Date.now();
    const result = await consumeClicks([clickOf(erased, 0, at), clickOf(otherPart, 0, at)]);
    expect(result.acked).toEqual([0, 1]);
    expect(await clicksOf(reader.deliveryId)).toEqual([]);
    expect(await partStat("fixture-four", 3)).toEqual(before);
  });
});

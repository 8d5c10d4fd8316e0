import { describe, expect, it } from "vitest";
import { catalog, findPart, findSeries, listSeries } from "../../worker/content/catalog";
import { fillTemplate } from "../../worker/content/fill-template";

const SLUG = "origins-of-lead-change";
const series = findSeries(SLUG)!;
const part1 = series && findPart(series, 1)!;
const allParts = listSeries().flatMap((s) => s.parts);

describe("catalog", () => {
  it("has a version hash and the sample series", () => {
    expect(catalog.version).toMatch(/^[0-9a-f]{16}$/);
    expect(listSeries().map((s) => s.slug)).toContain(SLUG);
    expect(series.title).toBe("Origins of Lead Change");
    expect(series.timezone).toBe("America/New_York");
    expect(findSeries("no-such-series")).toBeUndefined();
  });

  it("has Part 1 'The Opportunity' with its call to action", () => {
    expect(part1.number).toBe(1);
    expect(part1.title).toBe("The Opportunity");
    expect(part1.delayMs).toBe(0);
    expect(part1.cta).toEqual({
      label: "Take some action and share it with us",
      respond: { prompt: "What action did you take? Share your ideas — what will you do differently today?" },
    });
    expect(part1.email.html).toContain("Take some action and share it with us");
    // The call to action is tracked link 0; a response leads to the reader's response page.
    expect(part1.email.html).toContain('href="{{{action_url}}}/0"');
    expect(part1.links[0]).toBe("respond:");
    expect(findPart(series, 0)).toBeUndefined();
    expect(findPart(series, 1.5)).toBeUndefined();
    expect(findPart(series, series.parts.length + 1)).toBeUndefined();
  });

  it("identifies every part by an id unique in its series, and finds it by id or by position", () => {
    for (const s of listSeries()) {
      const ids = s.parts.map((p) => p.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const p of s.parts) {
        expect(p.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
        expect(findPart(s, p.id)).toBe(p);
        expect(findPart(s, String(p.number))).toBe(p);
      }
    }
    expect(part1.id).toBe("the-opportunity");
    expect(findSeries("fixture-windowed-old")).toBe(findSeries("fixture-windowed")); // an alias
  });

  it("numbers parts by position", () => {
    for (const s of listSeries()) expect(s.parts.map((p) => p.number)).toEqual(s.parts.map((_, i) => i + 1));
  });

  it("puts the unsubscribe slot in every part email, html and text", () => {
    for (const part of allParts) {
      expect(part.email.html).toContain('href="{{{unsubscribe_url}}}"');
      expect(part.email.text).toContain("Unsubscribe: {{{unsubscribe_url}}}");
      expect(part.email.html).toContain("{{{postal_address}}}");
    }
    for (const s of listSeries()) {
      expect(s.confirmation.html).toContain('href="{{{confirm_url}}}"');
      expect(s.confirmation.text).toContain("{{{confirm_url}}}");
      expect(s.confirmation.html).toContain("you will not hear from us again");
    }
  });

  it("points the 'here' link at the series index: a tracked link in email, relative on the web", () => {
    expect(part1.email.html).toContain('href="{{{action_url}}}/1">here</a>');
    expect(part1.email.text).toContain("here {{{action_url}}}/1");
    expect(part1.links[1]).toBe("/p/origins-of-lead-change");
    expect(part1.bodyHtml).toContain('<a href="/p/origins-of-lead-change">here</a>');
  });

  it("keeps the author's text and drops scraping debris", () => {
    for (const body of [part1.bodyHtml, part1.email.html, part1.email.text]) {
      expect(body).not.toContain("Twitter feed");
      expect(body).not.toContain("onpage");
    }
    expect(part1.email.text).toContain(
      "Don't let the cement of this moment set without making a handprint! Do it now!",
    );
    expect(part1.bodyHtml).toMatch(/<blockquote>\s*<p>&quot;The question isn&#39;t/);
  });

  it("fills into a complete, small email", () => {
    const out = fillTemplate(part1.email, {
      name: "Ada",
      base_url: "https://example.com",
      unsubscribe_url: "https://example.com/u/t",
      preferences_url: "https://example.com/prefs/t",
      web_url: "https://example.com/p/origins-of-lead-change/1",
      action_url: "https://example.com/a/1.tag",
      referral_url: "https://example.com/s/origins-of-lead-change?ref=1.tag",
      postal_address: "1 Example Street",
    });
    for (const s of Object.values(out)) expect(s).not.toContain("{{{");
    expect(out.html).toContain("Hi Ada,");
    expect(new TextEncoder().encode(out.html).length).toBeLessThan(15_000);
  });

  // Present only when the tests build their catalog with tests/fixtures/series.
  const four = findSeries("fixture-four");
  it.runIf(four)("reads fixture delays and send windows", () => {
    const day = 86_400_000;
    expect(four!.parts.map((p) => p.delayMs)).toEqual([0, day, 2 * day, day]);
    expect(findSeries("fixture-windowed")!.sendWindow).toEqual({ days: [1, 2, 3, 4, 5], start: "08:00", end: "10:00" });
  });
});

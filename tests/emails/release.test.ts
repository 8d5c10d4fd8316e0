import { describe, expect, it } from "vitest";
import { compiledCatalog } from "../../worker/content/catalog";
import { releasedCatalog, releasedCount, releasedSeries } from "../../worker/content/release";
import { editCatalog } from "../helpers/delivery-helpers";

/** The released view (worker/content/release.ts) of tests/fixtures/series/fixture-scheduled and edited copies. */
const R2 = Date.UTC(2099, 0, 15, 8, 0);
const R3 = Date.UTC(2099, 0, 31, 23, 0);
const scheduled = compiledCatalog.findSeries("fixture-scheduled")!;
const ids = (json: string, slug: string) => (JSON.parse(json) as Record<string, string[]>)[slug];

describe("the released view of the catalog", () => {
  it("holds the parts before the first unreleased one: a scheduled part ends the visible series", () => {
    expect([R2 - 1, R2, R3 - 1, R3].map((now) => releasedCount(scheduled, now))).toEqual([1, 2, 2, 4]);
    // A released part after an unreleased one (the build refuses it; a hand-edited catalog may hold it) stays out too.
    const hole = {
      ...scheduled,
      parts: scheduled.parts.map((part, i) => (i === 2 ? { ...part, publishAt: undefined } : part)),
    };
    expect(releasedCount(hole, R2 - 1)).toBe(1);
    expect(releasedSeries(hole, R2 - 1).parts.map((part) => part.id)).toEqual(["scheduled-part-1"]);
  });

  it("is the catalog itself when every part is out, and one cached view per set of releases otherwise", () => {
    const allOut = editCatalog((series) => ({
      ...series,
      parts: series.parts.map((part) => ({ ...part, publishAt: undefined })),
    }));
    expect(releasedCatalog(allOut, 0)).toBe(allOut);
    expect(releasedCatalog(compiledCatalog, R3)).toBe(compiledCatalog);
    const early = releasedCatalog(compiledCatalog, R2 - 1);
    expect(releasedCatalog(compiledCatalog, R2 - 60_000)).toBe(early);
    expect(releasedSeries(scheduled, R3)).toBe(scheduled);
  });

  it("gives the cycle's SQL the released order only, and its lookups the released parts", () => {
    const early = releasedCatalog(compiledCatalog, R2 - 1);
    expect(ids(early.orderJson, "fixture-scheduled")).toEqual(["scheduled-part-1"]);
    expect(early.findSeries("fixture-scheduled")!.parts).toHaveLength(1);
    expect(ids(early.orderJson, "fixture-four")).toEqual(ids(compiledCatalog.orderJson, "fixture-four"));
    const later = releasedCatalog(compiledCatalog, R2);
    expect(ids(later.orderJson, "fixture-scheduled")).toEqual(["scheduled-part-1", "scheduled-part-2"]);
  });
});

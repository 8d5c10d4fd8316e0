import { indexCatalog, type CatalogIndex } from "./catalog";
import type { CompiledPart, CompiledSeries } from "./types";

/**
 * Parts written ahead (`publish` in their front matter) are in the catalog before their release; everything a
 * reader can reach (delivery, the web archive, the feed, the signup page) works on the released view built here.
 */

export const isReleased = (part: CompiledPart, now: number) =>
  part.publishAt === undefined || Date.parse(part.publishAt) <= now;

/** The parts out at `now`: those before the first unreleased one (a scheduled part ends the visible series). */
export function releasedCount(series: CompiledSeries, now: number): number {
  const first = series.parts.findIndex((part) => !isReleased(part, now));
  return first === -1 ? series.parts.length : first;
}

/** The series as readers may see it at `now` (the same object when every part is out). */
export function releasedSeries(series: CompiledSeries, now: number): CompiledSeries {
  const count = releasedCount(series, now);
  return count === series.parts.length ? series : { ...series, parts: series.parts.slice(0, count) };
}

// One view per catalog, rebuilt only when a release changes what is out (a cron tick must not rebuild it).
const views = new WeakMap<CatalogIndex, { key: string; view: CatalogIndex }>();

/**
 * The catalog as the delivery cycle must see it at `now`: its order JSON, lookups and part lists hold only
 * released parts, so an unreleased part is never claimed, and its release reaches the cycle as parts appended
 * at the end (caught-up readers are woken, nobody is repositioned).
 */
export function releasedCatalog(index: CatalogIndex, now: number): CatalogIndex {
  const counts = index.catalog.series.map((series) => releasedCount(series, now));
  if (counts.every((count, i) => count === index.catalog.series[i]!.parts.length)) return index;
  const key = counts.join(",");
  const cached = views.get(index);
  if (cached?.key === key) return cached.view;
  const series = index.catalog.series.map((s, i) =>
    counts[i] === s.parts.length ? s : { ...s, parts: s.parts.slice(0, counts[i]) },
  );
  const view = indexCatalog({ version: `${index.catalog.version}@${key}`, series });
  views.set(index, { key, view });
  return view;
}

import compiled from "../../emails/dist/catalog.json";
import type { Catalog, CompiledPart, CompiledSeries } from "./types";

/** Built and validated by scripts/build-emails.tsx; at runtime it is only read. */
export const catalog = compiled as Catalog;

const bySlug = new Map(catalog.series.map((series) => [series.slug, series]));

export function listSeries(): CompiledSeries[] {
  return catalog.series;
}

export function findSeries(slug: string): CompiledSeries | undefined {
  return bySlug.get(slug);
}

/** number is 1-based, as in /p/:series/:number. */
export function findPart(series: CompiledSeries, number: number): CompiledPart | undefined {
  return Number.isInteger(number) ? series.parts[number - 1] : undefined;
}

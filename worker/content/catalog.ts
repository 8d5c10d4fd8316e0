import compiled from "../../emails/dist/catalog.json";
import type { Catalog, CompiledPart, CompiledSeries } from "./types";

/** A catalog with its lookups: by slug or former slug (alias), parts by id, and the order the SQL reads. */
export interface CatalogIndex {
  catalog: Catalog;
  /** The series a slug names, following aliases (old subscriptions and links). */
  findSeries(slug: string): CompiledSeries | undefined;
  /**
   * {"<slug or alias>": ["<part id>", …]} in the current order, bound into the cycle's SQL: a claim snapshots
   * the id at the reader's position, a record and a reposition find the first part a reader has not received.
   */
  orderJson: string;
}

export function indexCatalog(catalog: Catalog): CatalogIndex {
  const bySlug = new Map<string, CompiledSeries>();
  for (const series of catalog.series) for (const alias of series.aliases ?? []) bySlug.set(alias, series);
  for (const series of catalog.series) bySlug.set(series.slug, series);
  const order = Object.fromEntries([...bySlug].map(([slug, series]) => [slug, series.parts.map((part) => part.id)]));
  return { catalog, findSeries: (slug) => bySlug.get(slug), orderJson: JSON.stringify(order) };
}

/** Built and validated by scripts/build-emails.tsx; at runtime it is only read. */
export const catalog = compiled as Catalog;
export const compiledCatalog = indexCatalog(catalog);

export function listSeries(): CompiledSeries[] {
  return catalog.series;
}

export function findSeries(slug: string): CompiledSeries | undefined {
  return compiledCatalog.findSeries(slug);
}

/** A part by its id: what a delivery carried, wherever the part is today. */
export function findPartById(series: CompiledSeries, id: string): CompiledPart | undefined {
  return series.parts.find((part) => part.id === id);
}

/** A part by its id, or by its position today ("3", 1-based: links made before parts had ids). */
export function findPart(series: CompiledSeries, idOrNumber: string | number): CompiledPart | undefined {
  if (typeof idOrNumber === "string") {
    const byId = findPartById(series, idOrNumber);
    if (byId || !/^[1-9]\d{0,3}$/.test(idOrNumber)) return byId;
  }
  const number = Number(idOrNumber);
  return Number.isInteger(number) ? series.parts[number - 1] : undefined;
}

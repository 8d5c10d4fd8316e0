import { z } from "zod";
import { findSeries, listSeries } from "../../content/catalog";
import { AppError } from "../../errors";

/** The series a form may name, as the catalog knows them (for the <select>s). */
export const seriesChoices = () => listSeries().map((series) => ({ slug: series.slug, title: series.title }));

/**
 * Every series with its parts in today's order, those written ahead too (the reader page's "move to part" lists,
 * the preview's), and its "Still reading?" rule.
 */
export const seriesParts = () =>
  listSeries().map((series) => ({
    slug: series.slug,
    title: series.title,
    parts: series.parts.map((part) => ({ number: part.number, title: part.title, publishAt: part.publishAt })),
    ...(series.reengage && {
      reengage: { afterParts: series.reengage.afterParts, graceDays: series.reengage.graceDays },
    }),
  }));

const slugSchema = z
  .string()
  .max(100)
  .regex(/^[a-z0-9][a-z0-9-]*$/);

/** A form's series: empty means every series; anything else must be in the catalog (else 400 / 404). */
export function formSeries(value: unknown): string | undefined {
  if (value === undefined || value === "") return undefined;
  const parsed = slugSchema.safeParse(value);
  if (!parsed.success) throw new AppError("BAD_REQUEST", "series: must be a series slug.");
  return catalogSeries(parsed.data);
}

export function catalogSeries(slug: string): string {
  const series = slugSchema.safeParse(slug).success ? findSeries(slug) : undefined;
  if (!series) throw new AppError("NOT_FOUND", `There is no series "${slug.slice(0, 100)}" in the catalog.`);
  return series.slug;
}

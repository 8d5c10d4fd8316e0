import type { Config } from "../config";
import type { CompiledSeries } from "../content/types";

/** Absolute URL for a link written as a path ("/p/…") or a full URL: pages, action links and emails alike. */
export const resolveUrl = (config: Config, url: string) => (url.startsWith("/") ? `${config.publicUrl}${url}` : url);

/** A part's web view, by id: wherever the part moves later, the link still finds it. */
export const partWebUrl = (config: Config, seriesSlug: string, partId: string) =>
  `${config.publicUrl}/p/${seriesSlug}/${partId}`;

/** The "view in browser" link of one reader's email: a series kept for its readers opens only with their token. */
export const emailWebUrl = (config: Config, series: CompiledSeries, partId: string, readerToken: string) =>
  partWebUrl(config, series.slug, partId) + (series.archive === "subscribers" ? `?t=${readerToken}` : "");

import type { Config } from "../config";

/** Absolute URL for a link written as a path ("/p/…") or a full URL: pages, action links and emails alike. */
export const resolveUrl = (config: Config, url: string) => (url.startsWith("/") ? `${config.publicUrl}${url}` : url);

/** A part's web view, by id: wherever the part moves later, the link still finds it. */
export const partWebUrl = (config: Config, seriesSlug: string, partId: string) => `${config.publicUrl}/p/${seriesSlug}/${partId}`;

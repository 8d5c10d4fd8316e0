import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { readConfig } from "../config";
import { atomFeed } from "../content/atom-feed";
import { findPart, findSeries } from "../content/catalog";
import { AppError } from "../errors";
import { partWebUrl, resolveUrl } from "../lib/public-url";
import { PartPage, SeriesIndexPage } from "../pages/series-pages";

export const seriesPageRoutes = new Hono<AppEnv>();

seriesPageRoutes.get("/p/:series", (c) => {
  const series = findSeries(c.req.param("series"));
  if (!series) throw new AppError("NOT_FOUND", "There is no series at this address.");
  if (series.slug !== c.req.param("series")) return c.redirect(`/p/${series.slug}`, 301); // a former slug
  return c.html(<SeriesIndexPage series={series} />);
});

// Before /p/:series/:part, which would read "feed.xml" as a part number.
seriesPageRoutes.get("/p/:series/feed.xml", (c) => {
  const series = findSeries(c.req.param("series"));
  if (!series) throw new AppError("NOT_FOUND", "There is no series at this address.");
  return c.body(atomFeed(series, readConfig(c.env).publicUrl), 200, { "content-type": "application/atom+xml; charset=utf-8" });
});

seriesPageRoutes.get("/p/:series/:part", (c) => {
  const series = findSeries(c.req.param("series"));
  // A part's id, or its position (links mailed before parts had ids).
  const part = series && findPart(series, c.req.param("part"));
  if (!series || !part) throw new AppError("NOT_FOUND", "There is no such part.");
  if (series.slug !== c.req.param("series")) return c.redirect(`/p/${series.slug}/${part.id}`, 301); // a former slug
  const config = readConfig(c.env);
  const ctaUrl = part.cta.url === undefined ? undefined : resolveUrl(config, part.cta.url);
  return c.html(<PartPage series={series} part={part} ctaUrl={ctaUrl} webUrl={partWebUrl(config, series.slug, part.id)} />);
});

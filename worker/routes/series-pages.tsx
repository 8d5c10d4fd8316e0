import { Hono } from "hono";
import type { AppEnv } from "../app-env";
import { readConfig } from "../config";
import { findPart, findSeries } from "../content/catalog";
import { resolveUrl } from "../delivery/compose";
import { AppError } from "../errors";
import { PartPage, SeriesIndexPage } from "../pages/series-pages";

export const seriesPageRoutes = new Hono<AppEnv>();

seriesPageRoutes.get("/p/:series", (c) => {
  const series = findSeries(c.req.param("series"));
  if (!series) throw new AppError("NOT_FOUND", "There is no series at this address.");
  return c.html(<SeriesIndexPage series={series} />);
});

seriesPageRoutes.get("/p/:series/:part", (c) => {
  const series = findSeries(c.req.param("series"));
  const number = /^[1-9]\d{0,3}$/.test(c.req.param("part")) ? Number(c.req.param("part")) : NaN;
  const part = series && findPart(series, number);
  if (!series || !part) throw new AppError("NOT_FOUND", "There is no such part.");
  return c.html(<PartPage series={series} part={part} ctaUrl={resolveUrl(readConfig(c.env), part.cta.url)} />);
});

import { Hono, type Context } from "hono";
import type { AppEnv } from "../app-env";
import { readerArchive } from "../content/reader-archive";
import { atomFeed } from "../content/atom-feed";
import { findPart, findSeries } from "../content/catalog";
import { releasedSeries } from "../content/release";
import type { CompiledSeries } from "../content/types";
import { AppError } from "../errors";
import { partWebUrl, resolveUrl } from "../lib/public-url";
import { PartPage, ReadersOnlyPage, SeriesIndexPage } from "../pages/part-pages";
import { DELIVERY_TOKEN, signDeliveryTokens } from "../tokens";

export const seriesPageRoutes = new Hono<AppEnv>();

/** The series a path names as readers may see it now: parts written ahead are not there yet. */
function publishedSeries(c: Context<AppEnv>, slug: string): CompiledSeries {
  const series = findSeries(slug);
  if (!series) throw new AppError("NOT_FOUND", "There is no series at this address.");
  return releasedSeries(series, c.var.deps.clock());
}

/** The reader token of an email's "view in browser" link (?t=), when it has a token's form (it is then safe to echo). */
const readerToken = (c: Context<AppEnv>) => {
  const token = c.req.query("t");
  return token !== undefined && DELIVERY_TOKEN.test(token) ? token : undefined;
};

seriesPageRoutes.get("/p/:series", (c) => {
  const series = publishedSeries(c, c.req.param("series"));
  if (series.slug !== c.req.param("series")) return c.redirect(`/p/${series.slug}`, 301); // a former slug
  return c.html(<SeriesIndexPage series={series} />);
});

// Before /p/:series/:part, which would read "feed.xml" as a part number.
seriesPageRoutes.get("/p/:series/feed.xml", (c) => {
  const series = publishedSeries(c, c.req.param("series"));
  if (series.archive === "subscribers")
    throw new AppError("NOT_FOUND", "This series has no public feed: its parts are for its readers.");
  return c.body(atomFeed(series, c.var.deps.config.publicUrl), 200, {
    "content-type": "application/atom+xml; charset=utf-8",
  });
});

seriesPageRoutes.get("/p/:series/:part", async (c) => {
  const series = publishedSeries(c, c.req.param("series"));
  // A part's id, or its position (links mailed before parts had ids). An unreleased part is not found either.
  const part = findPart(series, c.req.param("part"));
  if (!part) throw new AppError("NOT_FOUND", "There is no such part.");
  const token = readerToken(c);
  if (series.slug !== c.req.param("series"))
    return c.redirect(`/p/${series.slug}/${part.id}${token ? `?t=${token}` : ""}`, 301); // a former slug
  const { config } = c.var.deps;
  const ctaUrl = part.cta.url === undefined ? undefined : resolveUrl(config, part.cta.url);
  const webUrl = partWebUrl(config, series.slug, part.id);
  if (series.archive !== "subscribers") {
    return c.html(
      <PartPage
        series={series}
        part={part}
        ctaUrl={ctaUrl}
        webUrl={webUrl}
        href={(p) => `/p/${series.slug}/${p.id}`}
      />,
    );
  }

  // Kept for its readers: a page that depends on who asks is never stored by a cache, and never indexed.
  c.header("cache-control", "private, no-store");
  c.header("x-robots-tag", "noindex");
  const archive = token === undefined ? null : await readerArchive(c.var.deps, { token, series });
  const deliveryId = archive?.received.get(part.id);
  if (deliveryId === undefined) {
    const reason = c.req.query("t") === undefined ? "no_token" : archive ? "not_received" : "bad_token";
    return c.html(<ReadersOnlyPage series={series} part={part} reason={reason} />, 403);
  }
  // The response page of the delivery that carried this part (the same reader: the token's subscription).
  const respondUrl = part.cta.respond
    ? `/respond/${(await signDeliveryTokens(config.keyring, deliveryId)).reader}`
    : undefined;
  const href = (p: { id: string }) => (archive!.received.has(p.id) ? `/p/${series.slug}/${p.id}?t=${token}` : null);
  return c.html(
    <PartPage series={series} part={part} ctaUrl={ctaUrl} webUrl={webUrl} href={href} respondUrl={respondUrl} />,
  );
});

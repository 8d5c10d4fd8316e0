import { raw } from "hono/html";
import type { CompiledPart, CompiledSeries } from "../content/types";
import { Layout } from "./layout";

const formatDate = (iso: string) =>
  new Date(`${iso}T12:00:00Z`).toLocaleDateString("en-US", { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });

/** The public index of a series: every part and its date. */
export function SeriesIndexPage({ series }: { series: CompiledSeries }) {
  return (
    <Layout title={series.title} siteName={series.title}>
      <h1>{series.title}</h1>
      <p class="lede">{series.description}</p>
      <ol class="parts">
        {series.parts.map((part) => (
          <li>
            <a href={`/p/${series.slug}/${part.id}`}>{part.title}</a>{" "}
            <span class="date">— {formatDate(part.date)}</span>
          </li>
        ))}
      </ol>
      <p>
        <a class="cta" href={`/s/${series.slug}`}>
          Get every part by email
        </a>
      </p>
    </Layout>
  );
}

/** A part's web view ("view in browser"). The body is the author's own Markdown, compiled at build time. */
export function PartPage({ series, part, ctaUrl }: { series: CompiledSeries; part: CompiledPart; ctaUrl: string }) {
  const next = series.parts[part.number];
  const previous = series.parts[part.number - 2];
  return (
    <Layout title={`${part.title} — ${series.title}`} siteName={series.title}>
      <p class="date">
        Part {part.number} of <a href={`/p/${series.slug}`}>{series.title}</a> · {formatDate(part.date)}
      </p>
      <h1>{part.title}</h1>
      <article>{raw(part.bodyHtml)}</article>
      <p>
        <a class="cta" href={ctaUrl}>
          {part.cta.label}
        </a>
      </p>
      <footer>
        {previous ? <a href={`/p/${series.slug}/${previous.id}`}>← {previous.title}</a> : null}
        {previous && next ? " · " : null}
        {next ? <a href={`/p/${series.slug}/${next.id}`}>{next.title} →</a> : null}
        <p>
          <a href={`/s/${series.slug}`}>Subscribe</a> to get every part by email.
        </p>
      </footer>
    </Layout>
  );
}

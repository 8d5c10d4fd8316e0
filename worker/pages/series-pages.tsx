import { raw } from "hono/html";
import type { CompiledPart, CompiledSeries } from "../content/types";
import { Layout } from "./layout";
import { ShareLinks } from "./share-links";

const formatDate = (iso: string) =>
  new Date(`${iso}T12:00:00Z`).toLocaleDateString("en-US", { year: "numeric", month: "long", day: "numeric", timeZone: "UTC" });

/** The public index of a series: every part and its date. */
export function SeriesIndexPage({ series }: { series: CompiledSeries }) {
  return (
    <Layout
      title={series.title}
      siteName={series.title}
      head={<link rel="alternate" type="application/atom+xml" title={`${series.title} (Atom feed)`} href={`/p/${series.slug}/feed.xml`} />}
    >
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
      <p class="hint">
        Or follow the <a href={`/p/${series.slug}/feed.xml`}>Atom feed</a>.
      </p>
    </Layout>
  );
}

/**
 * A part's web view ("view in browser"). The body is the author's own Markdown, compiled at build time. No
 * reader is known here, so a response call to action offers the signup form instead ("subscribe to respond").
 */
export function PartPage({ series, part, ctaUrl, webUrl }: { series: CompiledSeries; part: CompiledPart; ctaUrl?: string; webUrl: string }) {
  const next = series.parts[part.number];
  const previous = series.parts[part.number - 2];
  return (
    <Layout title={`${part.title} — ${series.title}`} siteName={series.title}>
      <p class="date">
        Part {part.number} of <a href={`/p/${series.slug}`}>{series.title}</a> · {formatDate(part.date)}
      </p>
      <h1>{part.title}</h1>
      <article>{raw(part.bodyHtml)}</article>
      {part.cta.respond ? (
        <form class="card" method="post" action="/subscribe">
          <h2>{part.cta.label}</h2>
          <p>{part.cta.respond.prompt}</p>
          <p class="hint">Subscribe to respond: every part comes with a link to answer it.</p>
          <input type="hidden" name="series" value={series.slug} />
          <label for="email">Email address</label>
          <input id="email" name="email" type="email" autocomplete="email" required maxlength={320} />
          <div class="honeypot" aria-hidden="true">
            <label for="website">Leave this empty</label>
            <input id="website" name="website" type="text" tabindex={-1} autocomplete="off" />
          </div>
          <button type="submit">Subscribe to respond</button>
          <p class="consent">
            By subscribing you agree to receive the parts of “{series.title}” by email, and an email to confirm your
            address first. Every email has a one-click unsubscribe link.
          </p>
        </form>
      ) : (
        <p>
          <a class="cta" href={ctaUrl}>
            {part.cta.label}
          </a>
        </p>
      )}
      <ShareLinks url={webUrl} title={`${part.title} — ${series.title}`} />
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

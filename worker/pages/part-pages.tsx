import { raw } from "hono/html";
import type { Child } from "hono/jsx";
import type { CompiledPart, CompiledSeries } from "../content/types";
import { Layout } from "./layout";
import { ShareLinks } from "./share-links";

const formatDate = (iso: string) =>
  new Date(`${iso}T12:00:00Z`).toLocaleDateString("en-US", {
    year: "numeric",
    month: "long",
    day: "numeric",
    timeZone: "UTC",
  });

/**
 * The index of a series: every released part and its date. A series kept for its readers lists titles only
 * (no links, no feed): each part's email is the way in.
 */
export function SeriesIndexPage({ series }: { series: CompiledSeries }) {
  const forReaders = series.archive === "subscribers";
  const feed = `/p/${series.slug}/feed.xml`;
  return (
    <Layout
      title={series.title}
      siteName={series.title}
      head={
        forReaders ? undefined : (
          <link rel="alternate" type="application/atom+xml" title={`${series.title} (Atom feed)`} href={feed} />
        )
      }
    >
      <h1>{series.title}</h1>
      <p class="lede">{series.description}</p>
      <ol class="parts">
        {series.parts.map((part) => (
          <li>
            {forReaders ? part.title : <a href={`/p/${series.slug}/${part.id}`}>{part.title}</a>}{" "}
            <span class="date">— {formatDate(part.date)}</span>
          </li>
        ))}
      </ol>
      {forReaders ? <p class="hint">The parts are for readers: each email has a link to read it on the web.</p> : null}
      <p>
        <a class="cta" href={`/s/${series.slug}`}>
          Get every part by email
        </a>
      </p>
      {forReaders ? null : (
        <p class="hint">
          Or follow the <a href={feed}>Atom feed</a>.
        </p>
      )}
    </Layout>
  );
}

/** The signup form of a page about a series (a response to give, a part kept for readers). */
function SubscribeForm({
  series,
  heading,
  button,
  children,
}: {
  series: CompiledSeries;
  heading: string;
  button: string;
  children: Child;
}) {
  return (
    <form class="card" method="post" action="/subscribe">
      <h2>{heading}</h2>
      {children}
      <input type="hidden" name="series" value={series.slug} />
      <label for="email">Email address</label>
      <input id="email" name="email" type="email" autocomplete="email" required maxlength={320} />
      <div class="honeypot" aria-hidden="true">
        <label for="website">Leave this empty</label>
        <input id="website" name="website" type="text" tabindex={-1} autocomplete="off" />
      </div>
      <button type="submit">{button}</button>
      <p class="consent">
        By subscribing you agree to receive the parts of “{series.title}” by email, and an email to confirm your address
        first. Every email has a one-click unsubscribe link.
      </p>
    </form>
  );
}

export interface PartPageProps {
  series: CompiledSeries;
  part: CompiledPart;
  ctaUrl?: string;
  /** The part's public address (what the share links pass on: never a reader's token). */
  webUrl: string;
  /** Where a link to another part of the series goes; null: no link (a part this reader has not received). */
  href: (part: CompiledPart) => string | null;
  /** The reader's own response page, when a reader is known (a token of a series kept for its readers). */
  respondUrl?: string;
}

/**
 * A part's web view ("view in browser"). The body is the author's own Markdown, compiled at build time. When no
 * reader is known, a response call to action offers the signup form instead ("subscribe to respond").
 */
export function PartPage({ series, part, ctaUrl, webUrl, href, respondUrl }: PartPageProps) {
  const next = series.parts[part.number];
  const previous = series.parts[part.number - 2];
  const nextHref = next && href(next);
  const previousHref = previous && href(previous);
  return (
    <Layout title={`${part.title} — ${series.title}`} siteName={series.title}>
      <p class="date">
        Part {part.number} of <a href={`/p/${series.slug}`}>{series.title}</a> · {formatDate(part.date)}
      </p>
      <h1>{part.title}</h1>
      <article>{raw(part.bodyHtml)}</article>
      {part.cta.respond && respondUrl ? (
        <section class="card">
          <h2>{part.cta.label}</h2>
          <p>{part.cta.respond.prompt}</p>
          <p>
            <a class="cta" href={respondUrl}>
              Write your response
            </a>
          </p>
        </section>
      ) : part.cta.respond ? (
        <SubscribeForm series={series} heading={part.cta.label} button="Subscribe to respond">
          <p>{part.cta.respond.prompt}</p>
          <p class="hint">Subscribe to respond: every part comes with a link to answer it.</p>
        </SubscribeForm>
      ) : (
        <p>
          <a class="cta" href={ctaUrl}>
            {part.cta.label}
          </a>
        </p>
      )}
      <ShareLinks url={webUrl} title={`${part.title} — ${series.title}`} />
      <footer>
        {previousHref ? <a href={previousHref}>← {previous.title}</a> : null}
        {previousHref && nextHref ? " · " : null}
        {nextHref ? <a href={nextHref}>{next.title} →</a> : null}
        <p>
          <a href={`/s/${series.slug}`}>Subscribe</a> to get every part by email.
        </p>
      </footer>
    </Layout>
  );
}

export type ReadersOnlyReason = "no_token" | "bad_token" | "not_received";

/** A part of a series kept for its readers, asked without a token that opens it: why, and never its content. */
export function ReadersOnlyPage({
  series,
  part,
  reason,
}: {
  series: CompiledSeries;
  part: CompiledPart;
  reason: ReadersOnlyReason;
}) {
  return (
    <Layout title={`${part.title} — ${series.title}`} siteName={series.title}>
      <p class="date">
        Part {part.number} of <a href={`/p/${series.slug}`}>{series.title}</a>
      </p>
      <h1>{part.title}</h1>
      {reason === "not_received" ? (
        <p>This part has not reached you yet: it comes by email when it is due, with a link to read it here.</p>
      ) : (
        <>
          <p>
            {reason === "bad_token"
              ? "This link does not open this part: use the “view in browser” link of the email it came in, copied whole."
              : `The parts of “${series.title}” are for its readers: each email has a link to read it here.`}
          </p>
          <SubscribeForm series={series} heading={`Read “${series.title}”`} button="Subscribe">
            <p>{series.description}</p>
          </SubscribeForm>
        </>
      )}
    </Layout>
  );
}

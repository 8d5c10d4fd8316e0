import type { OutgoingEmail } from "../../mail/create-mailer";
import { AdminLayout, CsrfField, type SignedInLayoutProps as LayoutProps } from "./admin-layout";
import { scheduledFor } from "./format";
import type { SeriesParts } from "./reader-page";

export interface TestSendOutcome {
  ok: boolean;
  message: string;
}

interface PreviewProps {
  catalog: SeriesParts[];
  chosen: { series: string; part: number } | null;
  email: OutgoingEmail | null;
  sampleReader: { name: string; email: string };
  to?: string;
  outcome?: TestSendOutcome;
  /** Parts released after this are shown as scheduled. */
  now: number;
}

/**
 * A part as the engine sends it. The html goes into a sandboxed iframe's srcdoc (no allow-scripts; it also
 * inherits this page's CSP, which has no script-src), as the outbox shows emails.
 */
export function PreviewPage(props: LayoutProps & PreviewProps) {
  const { catalog, chosen, email, sampleReader, to, outcome, now, ...layout } = props;
  const series = chosen ? catalog.find((s) => s.slug === chosen.series) : undefined;
  const scheduled = series && scheduledFor(series.parts.find((part) => part.number === chosen?.part)?.publishAt, now);
  return (
    <AdminLayout title={email ? `Preview: ${email.subject}` : "Preview"} {...layout}>
      <h1>Preview</h1>
      <form method="get" action="/admin/preview" class="search">
        <div class="field">
          <label for="preview-series">Series</label>
          <select id="preview-series" name="series">
            {catalog.map((s) => (
              <option value={s.slug} selected={s.slug === chosen?.series}>
                {`${s.title} (${s.parts.length} part${s.parts.length === 1 ? "" : "s"})`}
              </option>
            ))}
          </select>
        </div>
        <div>
          <label for="preview-part">Part</label>
          <input
            id="preview-part"
            name="part"
            type="text"
            inputmode="numeric"
            pattern="[1-9][0-9]{0,3}"
            value={String(chosen?.part ?? 1)}
            maxlength={4}
            size={4}
          />
        </div>
        <button type="submit" class="secondary">
          Preview
        </button>
      </form>
      {series ? (
        <nav class="parts" aria-label={`Parts of ${series.title}`}>
          {series.parts.map((part) => {
            const at = scheduledFor(part.publishAt, now);
            return (
              <a
                href={`/admin/preview?${new URLSearchParams({ series: series.slug, part: String(part.number) })}`}
                aria-current={part.number === chosen?.part ? "page" : undefined}
              >
                {`${part.number} · ${part.title}`}
                {at ? <span class="badge scheduled">{`scheduled ${at}`}</span> : null}
              </a>
            );
          })}
        </nav>
      ) : null}
      {email && chosen ? (
        <div class="split">
          <section aria-labelledby="email-h">
            <h2 id="email-h" class="wrap">
              {email.subject}
            </h2>
            {scheduled ? (
              <p class="notice" role="status">
                {`Scheduled: released ${scheduled}. Until then nobody is sent it and it is not on the web archive or in the feed.`}
              </p>
            ) : null}
            <p class="muted">
              {`From ${email.from} · to the sample reader ${sampleReader.name} <${sampleReader.email}>. Its links are signed but belong to no delivery: they record nothing.`}
            </p>
            <iframe
              class="email"
              title="Email preview"
              sandbox="allow-popups allow-popups-to-escape-sandbox"
              srcdoc={`<base target="_blank">${email.html}`}
            />
            <details>
              <summary>Plain text</summary>
              <pre class="text">{email.text}</pre>
            </details>
          </section>
          <section class="card" aria-labelledby="test-h">
            <h2 id="test-h">Send a test</h2>
            <p class="muted">
              The same email to one address, with “[Test]” in its subject. Nothing about any reader changes.
            </p>
            {outcome ? (
              <p class={outcome.ok ? "ok" : "error"} role={outcome.ok ? "status" : "alert"}>
                {outcome.message}
              </p>
            ) : null}
            <form method="post" action="/admin/preview/test-send">
              <CsrfField token={layout.csrfToken} />
              <input type="hidden" name="series" value={chosen.series} />
              <input type="hidden" name="part" value={String(chosen.part)} />
              <label for="test-to">Address</label>
              <input
                id="test-to"
                name="to"
                type="email"
                required
                maxlength={320}
                autocomplete="email"
                value={to ?? ""}
              />
              <p class="actions" style="margin-top:.75rem">
                <button type="submit">Send a test</button>
              </p>
            </form>
          </section>
        </div>
      ) : (
        <p class="muted">Choose a series and a part to see the email as readers get it.</p>
      )}
    </AdminLayout>
  );
}

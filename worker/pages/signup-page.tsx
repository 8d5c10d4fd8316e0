import type { CompiledSeries } from "../content/types";
import { Layout } from "./layout";

export interface SignupPageProps {
  series: CompiledSeries;
  action: string;
  error?: string;
  values?: { email?: string; name?: string; ref?: string };
  turnstileSiteKey?: string;
}

/** The signup form: works without JavaScript (Turnstile, when configured, adds its script). */
export function SignupPage({ series, action, error, values, turnstileSiteKey }: SignupPageProps) {
  const first = series.parts[0];
  return (
    <Layout
      title={error ? `Error: ${error} — ${series.title}` : `${series.title} — subscribe`}
      siteName={series.title}
      head={
        turnstileSiteKey ? (
          <script src="https://challenges.cloudflare.com/turnstile/v0/api.js" async defer />
        ) : undefined
      }
    >
      <h1>{series.title}</h1>
      <p class="lede">{series.description}</p>
      <p>
        {series.parts.length === 0
          ? "The first part is on its way"
          : series.parts.length === 1
            ? "1 part so far"
            : `${series.parts.length} parts so far`}
        , by {series.author}: {series.cadence}. {first ? <>It starts with “{first.title}”.</> : null}{" "}
        <a href={`/p/${series.slug}`}>See every part</a>.
      </p>
      <form class="card" method="post" action={action} novalidate>
        {error ? (
          <p class="error" role="alert" id="form-error">
            {error}
          </p>
        ) : null}
        <input type="hidden" name="series" value={series.slug} />
        {values?.ref ? <input type="hidden" name="ref" value={values.ref} /> : null}
        <label for="email">Email address</label>
        <input
          id="email"
          name="email"
          type="email"
          autocomplete="email"
          required
          maxlength={320}
          value={values?.email ?? ""}
          aria-describedby={error ? "form-error" : undefined}
          aria-invalid={error ? "true" : undefined}
          autofocus={error ? true : undefined}
        />
        <label for="name">
          First name <span class="hint">(optional)</span>
        </label>
        <input id="name" name="name" type="text" autocomplete="given-name" maxlength={100} value={values?.name ?? ""} />
        <div class="honeypot" aria-hidden="true">
          <label for="website">Leave this empty</label>
          <input id="website" name="website" type="text" tabindex={-1} autocomplete="off" />
        </div>
        {turnstileSiteKey ? <div class="cf-turnstile" data-sitekey={turnstileSiteKey} /> : null}
        <button type="submit">Subscribe</button>
        <p class="consent">
          By subscribing you agree to receive the parts of “{series.title}” by email, and an email to confirm your
          address first. Every email has a one-click unsubscribe link.
        </p>
      </form>
    </Layout>
  );
}

import type { CompiledPart, CompiledSeries } from "../content/types";
import { MAX_RESPONSE_LENGTH } from "../actions/action-responses";
import { Layout } from "./layout";
import { ShareLinks } from "./share-links";

interface ResponsePageProps {
  series: CompiledSeries;
  part: CompiledPart & { cta: { respond: { prompt: string } } };
  token: string;
  body: string;
  error?: string;
  /** The reader answered before: the form edits it. */
  editing: boolean;
}

/** Where a part's call to action leads: the reader (known from their link) answers the prompt. */
export function ResponsePage({ series, part, token, body, error, editing }: ResponsePageProps) {
  return (
    <Layout
      title={error ? `Error: ${error} — ${part.title}` : `${part.cta.label} — ${part.title}`}
      siteName={series.title}
    >
      <p class="date">
        Part {part.number} of <a href={`/p/${series.slug}`}>{series.title}</a>
      </p>
      <h1>{part.title}</h1>
      <form class="card" method="post" action={`/respond/${token}`}>
        {error ? (
          <p class="error" role="alert" id="response-error">
            {error}
          </p>
        ) : null}
        <label for="response">{part.cta.respond.prompt}</label>
        <textarea
          id="response"
          name="response"
          rows={8}
          maxlength={MAX_RESPONSE_LENGTH}
          required
          aria-describedby={error ? "response-error response-hint" : "response-hint"}
          aria-invalid={error ? "true" : undefined}
        >
          {body}
        </textarea>
        <p class="hint" id="response-hint">
          Up to {MAX_RESPONSE_LENGTH.toLocaleString("en-US")} characters. Only the author reads it.
          {editing ? " You answered before: change it and send again." : ""}
        </p>
        <button type="submit">{editing ? "Update my response" : "Send my response"}</button>
      </form>
    </Layout>
  );
}

/** After a response: thanks, what they wrote, and a way to pass the part on. */
export function ResponseThanksPage(props: {
  series: CompiledSeries;
  part: CompiledPart;
  token: string;
  body: string;
  webUrl: string;
}) {
  return (
    <Layout title={`Thank you — ${props.part.title}`} siteName={props.series.title}>
      <h1>Thank you</h1>
      <p>Your response to “{props.part.title}” is saved:</p>
      <blockquote class="response">{props.body}</blockquote>
      <p>
        <a href={`/respond/${props.token}`}>Edit your response</a>
      </p>
      <ShareLinks url={props.webUrl} title={`${props.part.title} — ${props.series.title}`} />
    </Layout>
  );
}

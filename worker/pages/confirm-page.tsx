import type { CompiledSeries } from "../content/types";
import { Layout } from "./layout";
import { MessagePage } from "./message-page";

/** What a confirm link opens: one button, pressed by a person (scanners only GET). No script submits it. */
export function ConfirmPage(props: { token: string; series: CompiledSeries; email: string }) {
  return (
    <Layout title="Confirm your subscription" siteName={props.series.title}>
      <h1>Confirm your subscription</h1>
      <p>
        Send the parts of “{props.series.title}” to <strong>{props.email}</strong>?
      </p>
      <form method="post" action={`/confirm/${props.token}`}>
        <button type="submit">Confirm my subscription</button>
      </form>
      <p class="hint">Did not sign up? Ignore the email: nothing is sent unless this button is pressed.</p>
    </Layout>
  );
}

/** After the confirm: when the next part comes, and the reader's preference page (pause, time of day, and so on). */
export function SubscribedPage(props: {
  series: CompiledSeries;
  firstPartAt: number | null;
  fresh: boolean;
  preferencesUrl: string;
}) {
  const { series, firstPartAt } = props;
  const when =
    firstPartAt === null
      ? "when the next part is published"
      : firstPartAt <= Date.now() + 60_000
        ? "in a minute or two"
        : `on ${new Date(firstPartAt).toUTCString()}`;
  return (
    <MessagePage title="You are subscribed" siteName={series.title}>
      <p>
        {props.fresh ? "Thank you for confirming." : "You had already confirmed."} The next part of “{series.title}”
        will arrive in your inbox {when}.
      </p>
      <p>
        <a href={`/p/${series.slug}`}>See every part of the series</a>
      </p>
      <p>
        Choose the time of day parts arrive, take a break or read ahead:{" "}
        <a href={props.preferencesUrl}>your preferences</a>. Every email links to them too.
      </p>
    </MessagePage>
  );
}

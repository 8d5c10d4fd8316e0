import type { CompiledSeries } from "../content/types";
import { Layout } from "./layout";

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

import type { CheckState, KeepOutcome } from "../reengage/keep-reading";
import { Layout } from "./layout";

const noIndex = <meta name="robots" content="noindex" />;

/**
 * Where the "Still reading?" email's button leads. A GET shows this page and changes nothing (mail scanners
 * follow links); only its button, a same-origin POST, keeps the reader.
 */
export function StillReadingPage(props: { action: string; seriesTitle: string; state: CheckState; paused: boolean }) {
  const { seriesTitle } = props;
  if (props.state === "ended") return <EndedPage seriesTitle={seriesTitle} />;
  if (props.state === "done") {
    return (
      <Layout title="You are all set" siteName={seriesTitle} head={noIndex}>
        <h1>You are all set</h1>
        <p>Nothing to do: the next parts of “{seriesTitle}” keep coming.</p>
      </Layout>
    );
  }
  return (
    <Layout title="Still reading?" siteName={seriesTitle} head={noIndex}>
      <h1>Still reading?</h1>
      <p>
        {props.paused
          ? `Your subscription to “${seriesTitle}” is paused. Press the button and it picks up where you left off.`
          : `Press the button and the next parts of “${seriesTitle}” keep coming.`}
      </p>
      <form method="post" action={props.action}>
        <button type="submit">{props.paused ? "Resume my subscription" : "Yes, keep sending"}</button>
      </form>
      <p class="hint">Not for you any more? The email's unsubscribe link stops it in one click.</p>
    </Layout>
  );
}

/** What the button did. */
export function KeptPage(props: { seriesTitle: string; result: KeepOutcome }) {
  const { seriesTitle, result } = props;
  if (result === "ended") return <EndedPage seriesTitle={seriesTitle} />;
  return (
    <Layout title="Thank you" siteName={seriesTitle} head={noIndex}>
      <h1>{result === "resumed" ? "Welcome back" : "Thank you"}</h1>
      <p>
        {result === "resumed"
          ? `Your subscription to “${seriesTitle}” is running again, from where you left off.`
          : `The next parts of “${seriesTitle}” keep coming.`}
      </p>
    </Layout>
  );
}

function EndedPage(props: { seriesTitle: string }) {
  return (
    <Layout title="This subscription has ended" siteName={props.seriesTitle} head={noIndex}>
      <h1>This subscription has ended</h1>
      <p>You will get no more emails from “{props.seriesTitle}”.</p>
    </Layout>
  );
}

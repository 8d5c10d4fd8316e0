import { Layout } from "./layout";

/** GET shows this page only; nothing changes until the button is pressed (mail scanners follow links). */
export function UnsubscribePage(props: { action: string; seriesTitle: string; email: string }) {
  return (
    <Layout title="Unsubscribe" siteName={props.seriesTitle}>
      <h1>Unsubscribe?</h1>
      <p>
        Stop all emails to <strong>{props.email}</strong> from “{props.seriesTitle}”.
      </p>
      <form method="post" action={props.action}>
        <button type="submit">Unsubscribe</button>
      </form>
      <p class="hint">One click, no questions. You can resubscribe at any time.</p>
    </Layout>
  );
}

export function UnsubscribedPage(props: { token: string; seriesTitle: string }) {
  return (
    <Layout title="You are unsubscribed" siteName={props.seriesTitle}>
      <h1>You are unsubscribed</h1>
      <p>You will get no more emails from “{props.seriesTitle}”.</p>
      <form class="card" method="post" action={`/resubscribe/${props.token}`}>
        <p class="hint">
          Changed your mind? We will send you a link to confirm, and you will pick up where you left off.
        </p>
        <button type="submit" class="secondary">
          Resubscribe
        </button>
      </form>
    </Layout>
  );
}

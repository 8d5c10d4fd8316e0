import type { OutboxMessage } from "../../mail/list-outbox";
import { AdminLayout, type SignedInLayoutProps as LayoutProps } from "./admin-layout";
import { when } from "./format";

/** The local mailbox: every email the outbox mailer "sent", newest first. */
export function OutboxListPage(props: LayoutProps & { messages: OutboxMessage[]; to?: string }) {
  const { messages, to, ...layout } = props;
  return (
    <AdminLayout {...layout} title="Outbox" section="outbox">
      <h1>Outbox</h1>
      <p class="hint">
        Every email sent while no RESEND_API_KEY is set, newest first. Open one to read it and click its links as a
        reader would.
      </p>
      <form method="get" action="/admin/outbox" class="search">
        <div class="field">
          <label for="to">Only mail to</label>
          <input id="to" name="to" type="search" value={to ?? ""} maxlength={320} />
        </div>
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      <section class="card">
        {messages.length === 0 ? (
          <p class="muted">No email yet: subscribe on the signup page, then come back.</p>
        ) : null}
        <ol class="mail">
          {messages.map((message) => (
            <li>
              <a href={`/admin/outbox/${encodeURIComponent(message.id)}`}>{message.subject}</a>
              <br />
              <span class="muted">
                to {message.to} · {when(message.createdAt)}
              </span>
            </li>
          ))}
        </ol>
      </section>
    </AdminLayout>
  );
}

/**
 * One email as the reader's mail app would show it. The html goes into a sandboxed iframe's srcdoc (escaped as
 * an attribute, so it cannot touch this page); `<base target="_blank">` opens its links in a new tab, as webmail does.
 */
export function OutboxMessagePage(props: LayoutProps & { message: OutboxMessage }) {
  const { message, ...layout } = props;
  return (
    <AdminLayout {...layout} title={message.subject} section="outbox">
      <p>
        <a href="/admin/outbox">← Outbox</a>
      </p>
      <h1>{message.subject}</h1>
      <p class="muted">
        From {message.from}
        <br />
        To {message.to} · {when(message.createdAt)}
      </p>
      <iframe
        title="Email"
        sandbox="allow-popups allow-popups-to-escape-sandbox"
        srcdoc={`<base target="_blank">${message.html}`}
        style="width:100%;height:75vh;border:1px solid #d9dee4;border-radius:8px;background:#fff"
      />
      <details>
        <summary>Plain text</summary>
        <pre style="white-space:pre-wrap;font-size:.85rem">{message.text}</pre>
      </details>
      <details>
        <summary>Headers</summary>
        <pre style="white-space:pre-wrap;font-size:.85rem">
          {Object.entries(message.headers)
            .map(([name, value]) => `${name}: ${value}`)
            .join("\n")}
        </pre>
      </details>
    </AdminLayout>
  );
}

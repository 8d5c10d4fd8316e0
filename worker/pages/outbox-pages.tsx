import type { OutboxMessage } from "../mail/list-outbox";
import { Layout } from "./layout";

const when = (iso: string) => iso.replace("T", " ").slice(0, 19) + " UTC";

/** The local mailbox: every email the outbox mailer "sent", newest first. */
export function OutboxListPage({ messages, to }: { messages: OutboxMessage[]; to?: string }) {
  return (
    <Layout title="Outbox" siteName="nextpart admin">
      <h1>Outbox</h1>
      <p class="hint">
        Every email sent while no RESEND_API_KEY is set, newest first. Click one to read it and click its links as a
        reader would.
      </p>
      <form method="get" action="/admin/outbox">
        <label for="to">Only mail to</label>
        <input id="to" name="to" type="email" value={to ?? ""} />
        <button type="submit" class="secondary">
          Filter
        </button>
      </form>
      {messages.length === 0 ? <p>No email yet: subscribe on the signup page, then come back.</p> : null}
      <ol class="parts">
        {messages.map((message) => (
          <li>
            <a href={`/admin/outbox/${encodeURIComponent(message.id)}`}>{message.subject}</a>
            <br />
            <span class="date">
              to {message.to} · {when(message.createdAt)}
            </span>
          </li>
        ))}
      </ol>
    </Layout>
  );
}

/**
 * One email as the reader's mail app would show it. The html goes into a sandboxed iframe's srcdoc (escaped as
 * an attribute, so it cannot touch this page); `<base target="_blank">` opens its links in a new tab, as webmail does.
 */
export function OutboxMessagePage({ message }: { message: OutboxMessage }) {
  return (
    <Layout title={message.subject} siteName="nextpart admin">
      <p>
        <a href="/admin/outbox">← Outbox</a>
      </p>
      <h1>{message.subject}</h1>
      <p class="date">
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
    </Layout>
  );
}

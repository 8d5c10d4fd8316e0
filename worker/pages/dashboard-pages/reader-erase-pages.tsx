import type { ErasedCounts } from "../../subscribers/erase-subscriber";
import { AdminLayout, CsrfField, type SignedInLayoutProps as LayoutProps } from "./admin-layout";
import { count } from "./format";

/** Rows an erasure deletes, in words (the verb's counts, by table). */
const erasedLabels: Record<keyof ErasedCounts, string> = {
  subscriber: "Reader",
  subscriptions: "Subscriptions",
  deliveries: "Deliveries",
  clicks: "Clicks",
  responses: "Responses",
  events: "Events",
  consents: "Consent records",
  readingChecks: '"Still reading?" emails',
  webhookEvents: "Provider webhooks",
  outbox: "Outbox emails",
  importRows: "Import report rows (kept, address removed)",
  receivedParts: "Parts received (older deliveries, compacted)",
  referrals: "Readers they referred (link removed, readers kept)",
};

/** Erasure cannot be undone: the admin types the reader's address back before the POST. */
export function ReaderEraseConfirmPage(props: LayoutProps & { reader: { id: number; email: string }; error?: string }) {
  const { reader, error, ...layout } = props;
  return (
    <AdminLayout title="Erase a reader" {...layout}>
      <p>
        <a href={`/admin/readers/${reader.id}`}>← Back to the reader</a>
      </p>
      <h1>Erase a reader</h1>
      <section class="card" aria-labelledby="erase-h">
        <h2 id="erase-h" class="wrap">
          {reader.email}
        </h2>
        <p>
          Every row about this reader goes: subscriptions, deliveries, clicks, responses, consent records, events and
          their emails in the outbox. Only a keyed hash of the address stays, so no import adds them again. This cannot
          be undone: <a href={`/admin/readers/${reader.id}/export.json`}>download their data</a> first if they asked for
          it.
        </p>
        {error ? (
          <p class="error" role="alert" id="erase-error">
            {error}
          </p>
        ) : null}
        <form method="post" action={`/admin/readers/${reader.id}/erase`}>
          <CsrfField token={layout.csrfToken} />
          <label for="confirm">Type their address to confirm</label>
          <input
            id="confirm"
            name="confirm"
            type="text"
            autocomplete="off"
            spellcheck={false}
            required
            maxlength={400}
            aria-describedby={error ? "erase-error" : undefined}
          />
          <p class="actions" style="margin-top:.75rem">
            <button type="submit" class="danger">
              Erase this reader
            </button>
          </p>
        </form>
      </section>
    </AdminLayout>
  );
}

/** After the erasure: what went, table by table. The address itself is not shown again. */
export function ReaderErasedPage(props: LayoutProps & { id: number; counts: ErasedCounts }) {
  const { id, counts, ...layout } = props;
  const rows = (Object.keys(erasedLabels) as (keyof ErasedCounts)[]).map(
    (key) => [erasedLabels[key], counts[key]] as const,
  );
  const total = rows.reduce((sum, [, n]) => sum + n, 0);
  return (
    <AdminLayout title="Reader erased" {...layout}>
      <h1>Reader erased</h1>
      <p class="ok" role="status">
        {`Reader ${id} was erased: ${count(total)} row${total === 1 ? "" : "s"} deleted or unlinked. Their address is kept only as a keyed hash, so no import re-adds them.`}
      </p>
      <section class="card" aria-labelledby="erased-h">
        <h2 id="erased-h">What was erased</h2>
        <table>
          <thead>
            <tr>
              <th scope="col">Rows</th>
              <th scope="col" class="num">
                Count
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map(([label, n]) => (
              <tr>
                <td>{label}</td>
                <td class="num">{count(n)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        <p>
          <a href="/admin/readers">Back to the readers</a>
        </p>
      </section>
    </AdminLayout>
  );
}

import type { CycleSummary } from "../../delivery/run-cycle";
import { AdminLayout, type SignedInLayoutProps as LayoutProps } from "./admin-layout";
import { SendForm, type SeriesChoice } from "./send-form";

const rows: { key: keyof CycleSummary; label: string }[] = [
  { key: "due", label: "Due now" },
  { key: "sent", label: "Sent" },
  { key: "deferred", label: "Deferred to their send window" },
  { key: "failed", label: "Refused by the provider" },
  { key: "retrying", label: "Outcome unknown, retrying" },
  { key: "refused", label: "Refused alone in a batch" },
  { key: "setAside", label: "Set aside" },
  { key: "queued", label: "Handed to the queue" },
  { key: "recovered", label: "Stale batches picked up" },
];

/** What a dry run found (then "Send now") or what a real run did: the cycle summary, readable. */
export function CycleResultPage(
  props: LayoutProps & { summary: CycleSummary; choices: SeriesChoice[]; series?: string },
) {
  const { summary, choices, series, ...layout } = props;
  const perPart = Object.entries(summary.perPart);
  const scope = series ? (choices.find((choice) => choice.slug === series)?.title ?? series) : "every series";
  return (
    <AdminLayout title={summary.dryRun ? "Dry run" : "Sent"} {...layout}>
      <h1>{summary.dryRun ? `Dry run: ${scope}` : `Sent: ${scope}`}</h1>
      <p class={summary.errors.length > 0 ? "error" : "ok"} role="status">
        {summary.dryRun
          ? summary.due === 0
            ? "Nothing is due right now: a send would send nothing."
            : `${summary.due} email${summary.due === 1 ? "" : "s"} would go now (mailer: ${summary.mailer}). Nothing was sent.`
          : `${summary.sent} email${summary.sent === 1 ? "" : "s"} sent (mailer: ${summary.mailer}).`}
        {summary.rateLimited ? " The provider's rate limit was reached: the rest goes on the next run." : ""}
      </p>
      <div class="grid two">
        <section class="card" aria-labelledby="summary-h">
          <h2 id="summary-h">Summary</h2>
          <dl class="kv">
            {rows.map((row) => (
              <>
                <dt>{row.label}</dt>
                <dd>{String(summary[row.key])}</dd>
              </>
            ))}
            <dt>Provider requests</dt>
            <dd>{summary.providerRequests}</dd>
            <dt>D1 rows read / written</dt>
            <dd>{`${summary.d1.rowsRead} / ${summary.d1.rowsWritten}`}</dd>
          </dl>
        </section>
        <section class="card" aria-labelledby="per-part-h">
          <h2 id="per-part-h">{summary.dryRun ? "Would go, per part" : "Sent, per part"}</h2>
          {perPart.length === 0 ? (
            <p class="muted">None.</p>
          ) : (
            <table>
              <thead>
                <tr>
                  <th scope="col">Series / part</th>
                  <th scope="col" class="num">
                    Emails
                  </th>
                </tr>
              </thead>
              <tbody>
                {perPart.map(([part, n]) => (
                  <tr>
                    <td>{part}</td>
                    <td class="num">{n}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      </div>
      {summary.errors.length > 0 ? (
        <section class="card" aria-labelledby="errors-h" style="margin-top:1rem">
          <h2 id="errors-h">Errors</h2>
          <ul>
            {summary.errors.map((error) => (
              <li class="wrap">{`${error.batchId ?? "cycle"}: ${error.message}`}</li>
            ))}
          </ul>
        </section>
      ) : null}
      <section class="card" aria-labelledby="next-h" style="margin-top:1rem">
        <h2 id="next-h">Next</h2>
        {summary.dryRun ? (
          <>
            <p class="muted">Send what is due now, without waiting for the cron.</p>
            <SendForm csrfToken={layout.csrfToken} series={choices} mode="send" selected={series} />
          </>
        ) : (
          <SendForm csrfToken={layout.csrfToken} series={choices} mode="dry-run" selected={series} />
        )}
        <p>
          <a href="/admin">Back to the overview</a>
        </p>
      </section>
    </AdminLayout>
  );
}

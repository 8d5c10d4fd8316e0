import type { ImportOutcome } from "../../../db/schema";
import { importOutcomes, type ImportJob, type ImportRowReport } from "../../subscribers/import/read-import";
import { IMPORT_COLUMNS } from "../../subscribers/import/parse-import-csv";
import { AdminLayout, CsrfField, type SignedInLayoutProps as LayoutProps } from "./admin-layout";
import { count, when } from "./format";

/** Upload a CSV (multipart, one file) and download every reader as CSV. */
export function ImportPage(props: LayoutProps & { error?: string }) {
  const { error, ...layout } = props;
  return (
    <AdminLayout title="Import" {...layout}>
      <h1>Import readers</h1>
      <div class="grid two">
        <section class="card" aria-labelledby="upload-h">
          <h2 id="upload-h">Upload a CSV</h2>
          <p class="muted">
            {`Header row first; columns ${IMPORT_COLUMNS.join(", ")} (only email is required; series defaults to the default series). `}
            Rows with consented_at and consent_source start active; rows without get a confirmation email. Up to 8 MB.
          </p>
          {error ? (
            <p class="error" role="alert" id="import-error">
              {error}
            </p>
          ) : null}
          <form method="post" action="/admin/import" enctype="multipart/form-data">
            <CsrfField token={layout.csrfToken} />
            <label for="file">CSV file</label>
            <input
              id="file"
              name="file"
              type="file"
              accept=".csv,text/csv"
              required
              aria-describedby={error ? "import-error" : undefined}
            />
            <p class="actions" style="margin-top:.75rem">
              <button type="submit">Import</button>
            </p>
          </form>
        </section>
        <section class="card" aria-labelledby="export-h">
          <h2 id="export-h">Export</h2>
          <p class="muted">Every reader with their status and position in each series, one row per subscription.</p>
          <p>
            <a class="button secondary" href="/admin/export.csv" download>
              Download all readers (CSV)
            </a>
          </p>
        </section>
      </div>
    </AdminLayout>
  );
}

const outcomeLabels: Record<ImportOutcome, string> = {
  active: "Active",
  pending: "Pending (confirmation sent)",
  duplicate: "Duplicate",
  suppressed: "Suppressed",
  invalid: "Invalid",
};

interface JobPageProps {
  job: ImportJob;
  outcome?: ImportOutcome;
  /** The report page once the job is finished; null while it runs. */
  rows: ImportRowReport[] | null;
  nextHref: string | null;
}

/** An import's progress (the page reloads itself while it runs), then its per-row report, paged. */
export function ImportJobPage(props: LayoutProps & JobPageProps) {
  const { job, outcome, rows, nextHref, ...layout } = props;
  const running = job.status === "queued" || job.status === "running";
  const base = `/admin/imports/${job.id}`;
  return (
    <AdminLayout title={running ? "Importing…" : "Import report"} {...layout} refreshSeconds={running ? 2 : undefined}>
      <p>
        <a href="/admin/import">← Import</a>
      </p>
      <h1>{running ? "Importing…" : job.status === "failed" ? "Import failed" : "Import report"}</h1>
      <p class={job.status === "failed" ? "error" : running ? "notice" : "ok"} role="status">
        {running
          ? `${count(job.processed)} of ${count(job.total)} rows processed. This page refreshes itself every 2 seconds.`
          : job.status === "failed"
            ? `The import stopped after ${count(job.processed)} of ${count(job.total)} rows; rows reported below were processed.`
            : `Done: ${count(job.total)} rows, ${count(job.active)} active, ${count(job.pending)} pending, ${count(job.skipped)} skipped.`}
      </p>
      <section class="card" aria-labelledby="progress-h">
        <h2 id="progress-h">Progress</h2>
        <progress max={String(Math.max(job.total, 1))} value={String(job.processed)} aria-label="Rows processed" />
        <dl class="counts" style="margin-top:.75rem">
          {(
            [
              ["Processed", `${count(job.processed)} / ${count(job.total)}`],
              ["Active", count(job.active)],
              ["Pending", count(job.pending)],
              ["Skipped", count(job.skipped)],
            ] as const
          ).map(([label, value]) => (
            <div>
              <dt>{label}</dt>
              <dd>{value}</dd>
            </div>
          ))}
        </dl>
        <p class="muted">{`Started ${when(job.createdAt)}${job.finishedAt ? `, finished ${when(job.finishedAt)}` : ""}.`}</p>
      </section>
      {rows ? (
        <section class="card" aria-labelledby="report-h" style="margin-top:1rem">
          <h2 id="report-h">Rows</h2>
          <nav class="filters" aria-label="Rows by outcome">
            <a href={base} aria-current={outcome ? undefined : "page"}>
              All
            </a>
            {importOutcomes.map((value) => (
              <a href={`${base}?outcome=${value}`} aria-current={outcome === value ? "page" : undefined}>
                {outcomeLabels[value]}
              </a>
            ))}
          </nav>
          {rows.length === 0 ? (
            <p class="muted">No row here.</p>
          ) : (
            <div class="scroll">
              <table class="stack report">
                <thead>
                  <tr>
                    <th scope="col" class="num">
                      Row
                    </th>
                    <th scope="col">Address</th>
                    <th scope="col">Outcome</th>
                    <th scope="col">Why</th>
                  </tr>
                </thead>
                <tbody>
                  {rows.map((row) => (
                    <tr class={`outcome-${row.outcome}`}>
                      <td class="num">{row.row}</td>
                      <td class="wrap">{row.email || "(empty)"}</td>
                      <td>
                        <span class="badge">{row.outcome}</span>
                      </td>
                      <td class="wrap">{row.message ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {nextHref ? (
            <p>
              <a href={nextHref}>Next rows</a>
            </p>
          ) : null}
        </section>
      ) : null}
    </AdminLayout>
  );
}

import { Hono } from "hono";
import { z } from "zod";
import { importOutcomes } from "../../../db/enums";
import { AppError } from "../../errors";
import { decodeUtf8, IMPORT_BODY_BYTES, IMPORT_TOO_LARGE, limitBody } from "../../middleware/read-body";
import { ImportJobPage, ImportPage } from "../../pages/dashboard-pages/import-pages";
import { exportSubscribersCsv } from "../../subscribers/export-csv";
import { parseImportCsv } from "../../subscribers/import/parse-import-csv";
import { listImportRows, readImportJob } from "../../subscribers/import/read-import";
import { IMPORT_CHUNK_ROWS, INLINE_MAX_CHUNKS, startImport } from "../../subscribers/import/start-import";
import type { DashboardEnv } from "./dashboard-env";
import { pageProps } from "./page-props";

/** The CSV import as the API does it (same parse, same verb, same limit), a job page, and the CSV export. */
export const importRoutes = new Hono<DashboardEnv>();

/** The upload's limit is the API's, not the forms' (mounted ahead of the dashboard's form limit). */
export const importUploadLimit = new Hono<DashboardEnv>().post(
  "/import",
  limitBody(IMPORT_BODY_BYTES, IMPORT_TOO_LARGE),
);

const REPORT_PAGE = 50;
const jobIdSchema = z.uuid();
const reportQuerySchema = z.object({
  outcome: z.union([z.enum(importOutcomes), z.literal("")]).optional(),
  cursor: z
    .string()
    .regex(/^\d{1,9}$/)
    .optional(),
});

importRoutes.get("/import", (c) => c.html(<ImportPage {...pageProps(c, "import")} />));

importRoutes.post("/import", async (c) => {
  // Already parsed (and cached) by the form-token check; the file is the one field it left out.
  const file = (await c.req.formData()).get("file");
  const fail = (message: string) => c.html(<ImportPage {...pageProps(c, "import")} error={message} />, 400);
  if (!file || typeof file === "string" || file.size === 0)
    return fail("Choose a CSV file to upload (it was empty or missing).");
  const text = decodeUtf8(await file.arrayBuffer(), "The file");
  if (text.trim() === "") return fail("The file is empty: the CSV needs a header row first, then rows.");
  const { deps } = c.var;
  const parsed = parseImportCsv(text, deps.config.defaultSeries);
  if (!parsed.ok) return fail(parsed.message);
  const result = await startImport(deps, { rows: parsed.rows });
  if (result.kind === "needs_queue" || result.kind === "key_reused") {
    throw new AppError(
      "NOT_CONFIGURED",
      `IMPORT_QUEUE is not bound: without it only files of up to ${INLINE_MAX_CHUNKS * IMPORT_CHUNK_ROWS} rows are imported (inline); this one has ${parsed.rows.length}.`,
    );
  }
  return c.redirect(`/admin/imports/${result.job.id}`, 303);
});

importRoutes.get("/imports/:id", async (c) => {
  const id = c.req.param("id");
  const job = jobIdSchema.safeParse(id).success ? await readImportJob(c.var.deps, id) : null;
  if (!job) throw new AppError("NOT_FOUND", "There is no import with that id.");
  const query = reportQuerySchema.safeParse(c.req.query());
  if (!query.success)
    throw new AppError("BAD_REQUEST", "outcome: must be one of the report's outcomes; cursor: a page link's own.");
  const outcome = query.data.outcome || undefined;
  const finished = job.status === "done" || job.status === "failed";
  const report = finished
    ? await listImportRows(c.var.deps, {
        jobId: id,
        outcome,
        cursor: query.data.cursor ? Number(query.data.cursor) : undefined,
        limit: REPORT_PAGE,
      })
    : null;
  const nextHref = report?.next_cursor
    ? `/admin/imports/${id}?${new URLSearchParams({ ...(outcome ? { outcome } : {}), cursor: report.next_cursor })}`
    : null;
  return c.html(
    <ImportJobPage
      {...pageProps(c, "import")}
      job={job}
      outcome={outcome}
      rows={report?.data ?? null}
      nextHref={nextHref}
    />,
  );
});

/** A GET (it changes nothing), behind the session like every page: the same stream as the API's export. */
importRoutes.get("/export.csv", (c) => {
  const date = new Date().toISOString().slice(0, 10);
  return c.body(exportSubscribersCsv(c.var.deps), 200, {
    "Content-Type": "text/csv; charset=utf-8",
    "Content-Disposition": `attachment; filename="subscribers-${date}.csv"`,
    "Cache-Control": "no-store",
  });
});

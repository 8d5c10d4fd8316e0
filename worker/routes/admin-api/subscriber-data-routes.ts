import { createRoute, z } from "@hono/zod-openapi";
import { importOutcomes } from "../../../db/enums";
import { AppError } from "../../errors";
import { IMPORT_BODY_BYTES, IMPORT_TOO_LARGE, limitBody, readUtf8 } from "../../middleware/read-body";
import { exportSubscribersCsv } from "../../subscribers/export-csv";
import { IMPORT_COLUMNS, parseImportCsv } from "../../subscribers/import/parse-import-csv";
import { listImportRows, readImportJob } from "../../subscribers/import/read-import";
import { IMPORT_CHUNK_ROWS, INLINE_MAX_CHUNKS, startImport } from "../../subscribers/import/start-import";
import { idempotencyHeaderSchema } from "../../middleware/idempotency";
import { importAcceptedSchema, importJobSchema, importRowPageSchema } from "./import-schema";
import { createAdminApi, errorBodySchema, errorResponses, limitQuerySchema } from "./openapi-app";

async function sha256Hex(text: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

const notFound = {
  description: "No import with that id.",
  content: { "application/json": { schema: errorBodySchema } },
} as const;
const jobIdParams = z.object({ id: z.uuid("must be an import id").openapi({ param: { name: "id", in: "path" } }) });

const importRoute = createRoute({
  method: "post",
  path: "/subscribers/import",
  tags: ["Subscribers"],
  summary: "Import subscribers from CSV",
  description:
    `Header row required; columns ${IMPORT_COLUMNS.join(",")} (only email is required; series defaults to DEFAULT_SERIES). ` +
    "Rows with consented_at and consent_source become active subscriptions due now, with a consent record; rows " +
    "without become pending and get a confirmation email, paced by the cron. The file is checked here; rows are " +
    "processed by the import queue: poll GET /imports/{id}.",
  middleware: [limitBody(IMPORT_BODY_BYTES, IMPORT_TOO_LARGE)] as const,
  request: {
    headers: idempotencyHeaderSchema,
    body: {
      required: true,
      content: { "text/csv": { schema: z.string().openapi({ example: "email,name\nann@example.com,Ann\n" }) } },
    },
  },
  responses: {
    202: {
      description: "The import job, queued.",
      content: { "application/json": { schema: importAcceptedSchema } },
    },
    ...errorResponses,
    422: {
      description: "The Idempotency-Key was used for another file (IDEMPOTENCY_KEY_REUSED).",
      content: { "application/json": { schema: errorBodySchema } },
    },
    413: { description: "Over 8 MB.", content: { "application/json": { schema: errorBodySchema } } },
    415: { description: "Not text/csv.", content: { "application/json": { schema: errorBodySchema } } },
    503: {
      description: "No import queue bound and the file is too large to import inline.",
      content: { "application/json": { schema: errorBodySchema } },
    },
  },
});

const jobRoute = createRoute({
  method: "get",
  path: "/imports/{id}",
  tags: ["Subscribers"],
  summary: "An import's progress",
  request: { params: jobIdParams },
  responses: {
    200: { description: "The job.", content: { "application/json": { schema: importJobSchema } } },
    ...errorResponses,
    404: notFound,
  },
});

const rowsRoute = createRoute({
  method: "get",
  path: "/imports/{id}/rows",
  tags: ["Subscribers"],
  summary: "An import's per-row report, in file order",
  request: {
    params: jobIdParams,
    query: z.object({
      outcome: z.enum(importOutcomes).optional(),
      cursor: z
        .string()
        .regex(/^\d{1,9}$/, "must be a cursor from a previous page")
        .transform(Number)
        .optional()
        .openapi({ type: "string", description: "`next_cursor` of the previous page." }),
      limit: limitQuerySchema,
    }),
  },
  responses: {
    200: {
      description: "One page of rows.",
      content: { "application/json": { schema: importRowPageSchema } },
    },
    ...errorResponses,
    404: notFound,
  },
});

const exportRoute = createRoute({
  method: "get",
  path: "/subscribers/export.csv",
  tags: ["Subscribers"],
  summary: "Every subscriber, as CSV (streamed)",
  description:
    "One row per subscription (a reader with none has one row with empty series columns): " +
    "email,name,status,timezone,created_at,confirmed_at,series,subscription_status,next_part,due_at. " +
    "Cells starting with =, +, -, @, tab or CR are prefixed with ' (no formulas in spreadsheets).",
  responses: {
    200: { description: "The CSV.", content: { "text/csv": { schema: z.string() } } },
    ...errorResponses,
  },
});

export const subscriberDataRoutes = createAdminApi()
  .openapi(importRoute, async (c) => {
    const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
    if (type !== "text/csv")
      throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the file as text/csv (Content-Type: text/csv).");
    const text = await readUtf8(c);
    if (text.trim() === "") throw new AppError("BAD_REQUEST", "The body is empty: send the CSV, header row first.");
    const { deps } = c.var;
    const parsed = parseImportCsv(text, deps.config.defaultSeries);
    if (!parsed.ok) throw new AppError("BAD_REQUEST", parsed.message);
    const key = c.req.valid("header")["idempotency-key"];
    const result = await startImport(deps, {
      rows: parsed.rows,
      idempotency: key === undefined ? undefined : { key, requestHash: await sha256Hex(text) },
    });
    if (result.kind === "key_reused")
      throw new AppError(
        "IDEMPOTENCY_KEY_REUSED",
        "This Idempotency-Key was used for another file: use a new key for a new import.",
      );
    if (result.kind === "needs_queue") {
      throw new AppError(
        "NOT_CONFIGURED",
        `IMPORT_QUEUE is not bound: without it only files of up to ${INLINE_MAX_CHUNKS * IMPORT_CHUNK_ROWS} rows are imported (inline); this one has ${parsed.rows.length}.`,
      );
    }
    if (result.kind === "replayed") c.header("Idempotent-Replayed", "true");
    return c.json({ job: result.job }, 202);
  })
  .openapi(jobRoute, async (c) => {
    const job = await readImportJob(c.var.deps, c.req.valid("param").id);
    if (!job) throw new AppError("NOT_FOUND", "There is no import with that id.");
    return c.json(job, 200);
  })
  .openapi(rowsRoute, async (c) => {
    const { outcome, cursor, limit } = c.req.valid("query");
    const page = await listImportRows(c.var.deps, { jobId: c.req.valid("param").id, outcome, cursor, limit });
    if (!page) throw new AppError("NOT_FOUND", "There is no import with that id.");
    return c.json(page, 200);
  })
  .openapi(exportRoute, (c) => {
    const date = new Date().toISOString().slice(0, 10);
    return c.body(exportSubscribersCsv(c.var.deps), 200, {
      "Content-Type": "text/csv; charset=utf-8",
      "Content-Disposition": `attachment; filename="subscribers-${date}.csv"`,
      "Cache-Control": "no-store",
    });
  });

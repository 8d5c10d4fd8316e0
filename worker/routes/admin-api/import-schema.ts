import { z } from "@hono/zod-openapi";
import { importOutcomes } from "../../../db/enums";
import { pageSchema } from "./common-schema";

/**
 * The answers of /subscribers/import and /imports/{id}, declared for the document. Their own module that
 * imports only zod and the outcomes (not the Worker), so the admin CLI parses answers with these very schemas.
 */

export const importJobSchema = z
  .object({
    id: z.string(),
    status: z.enum(["queued", "running", "done", "failed"]),
    total: z.number().int().openapi({ description: "Data rows in the file." }),
    processed: z.number().int(),
    active: z.number().int(),
    pending: z.number().int(),
    skipped: z.number().int().openapi({ description: "Duplicates, suppressed and invalid rows." }),
    createdAt: z.string(),
    finishedAt: z.string().nullable(),
  })
  .openapi("ImportJob");

const importRowSchema = z
  .object({
    row: z.number().int().openapi({ description: "1-based data row (the header is not counted)." }),
    email: z.string(),
    outcome: z.enum(importOutcomes),
    message: z.string().nullable(),
  })
  .openapi("ImportRow");

/** POST /subscribers/import's answer: the job, queued. */
export const importAcceptedSchema = z.object({ job: importJobSchema });
export const importRowPageSchema = pageSchema(importRowSchema, "ImportRowPage");

import { z } from "@hono/zod-openapi";

/**
 * GET /growth's answer, declared for the document. Its own module that imports only zod (not the catalog), so
 * the admin CLI parses the answer with this very schema instead of a hand-written copy.
 */

/** GET /growth's `days`: the last 30 or 90 UTC days (a query string, so text). */
export const growthDaysSchema = z.enum(["30", "90"]);

const count = z.number().int().min(0);
const countsShape = {
  signups: count.openapi({
    description: "Readers who asked for the series (a confirmation email), a repeat while one still waits not counted.",
  }),
  confirmations: count.openapi({
    description: "Readers who joined: a confirm click, or an import with stated consent.",
  }),
  unsubscribes: count.openapi({ description: "Readers of the series (active or paused) who unsubscribed." }),
};
const day = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/)
  .openapi({ format: "date", example: "2026-12-01" });

export const growthSchema = z
  .object({
    days: z.union([z.literal(30), z.literal(90)]),
    from: day.openapi({ description: "The window's first UTC day." }),
    to: day.openapi({ description: "Its last: today, in UTC." }),
    series: z.array(
      z
        .object({
          series: z.string(),
          title: z.string().nullable(),
          totals: z.object(countsShape).openapi("GrowthCounts"),
          days: z
            .array(z.object({ day, ...countsShape }).openapi("GrowthDay"))
            .openapi({ description: "Every day of the window, oldest first." }),
        })
        .openapi("SeriesGrowth"),
    ),
    d1: z
      .object({ statements: count, rowsRead: count, rowsWritten: count })
      .openapi({ description: "What the read cost in D1." }),
  })
  .openapi("Growth");

import { z } from "@hono/zod-openapi";

/**
 * GET /stats's answer, declared for the document. Its own module that imports only zod (not the catalog), so
 * the admin CLI parses the answer with this very schema instead of a hand-written copy.
 */

/** A part's release time; GET /series lists it too. */
export const publishAtSchema = z.string().nullable().openapi({
  description:
    "When the part is released (ISO 8601, from its `publish` front matter); null = with the deploy. Later than now: scheduled, sent to nobody yet.",
});

const count = z.number().int();

const partStatsSchema = z
  .object({
    part: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Position in the series today; null for a part since removed." }),
    id: z.string().openapi({ description: "The part's id: its counters follow it wherever it moves." }),
    title: z.string().nullable(),
    publishAt: publishAtSchema,
    sent: count,
    delivered: count,
    delayed: count,
    opened: count.openapi({ description: "Unreliable: privacy proxies open every email." }),
    humanClicks: count,
    scannerClicks: count,
    responses: count,
    unsubscribes: count.openapi({ description: "Readers who left within 7 days of receiving this part." }),
    bounces: count,
    complaints: count,
    failed: count,
    referrals: count,
    waiting: count.openapi({ description: "Active readers whose next part is this one." }),
  })
  .openapi("PartStats");

export const statsSchema = z
  .object({
    series: z.array(
      z
        .object({
          series: z.string(),
          title: z.string().nullable(),
          subscribers: z.record(z.string(), count).openapi({ description: "Subscriptions by status." }),
          caughtUp: count.openapi({ description: "Active readers who have every part so far." }),
          paused: z.boolean(),
          pausedAt: z.number().int().nullable().openapi({ description: "Epoch milliseconds." }),
          pauseReason: z.string().nullable(),
          complaintGuard: z.object({
            threshold: count,
            window: count,
            complaintsInWindow: count.nullable().openapi({ description: "As of the last complaint; null = none yet." }),
            checkedAt: z.number().int().nullable(),
          }),
          stillReading: z
            .object({
              rule: z
                .object({ afterParts: count, graceDays: count, countOpens: z.boolean() })
                .nullable()
                .openapi({ description: "series.json's reengage; null: the rule is off." }),
              asked: count.openapi({ description: '"Still reading?" emails sent.' }),
              kept: count.openapi({ description: "Keep buttons pressed." }),
              paused: count.openapi({ description: "Subscriptions paused because the question went unanswered." }),
            })
            .openapi({ description: "The re-engagement rule (docs/reengagement.md)." }),
          parts: z.array(partStatsSchema),
        })
        .openapi("SeriesStats"),
    ),
    notes: z.record(z.string(), z.string()),
    openedUnreliable: z.literal(true),
    d1: z.object({ statements: count, rowsRead: count, rowsWritten: count }),
  })
  .openapi("Stats");

import { createRoute, z } from "@hono/zod-openapi";
import { listDeadLettersPage } from "../../feedback/dead-letters";
import { listResponses } from "../../actions/action-responses";
import {
  createAdminApi,
  errorResponses,
  json,
  limitQuerySchema,
  notFoundResponse,
  pageSchema,
  pairCursorSchema,
  requireSeries,
  seriesSlugSchema,
} from "./openapi-app";

const iso = z.string().openapi({ format: "date-time" });

const responseItemSchema = z
  .object({
    id: z.number().int(),
    series: z.string(),
    part: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "Its position today; null once removed from the catalog." }),
    partId: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    body: z.string(),
    createdAt: iso,
    updatedAt: iso,
  })
  .openapi("ReaderResponse");

const deadLetterSchema = z
  .object({
    svixId: z
      .string()
      .nullable()
      .openapi({ description: "The event's svix-id (null: the queue message could not be read)." }),
    type: z.string().nullable(),
    providerMessageId: z.string().nullable().openapi({ description: "The provider's id of the email it was about." }),
    receivedAt: iso.nullable(),
    deadAt: iso,
    recorded: z.boolean().openapi({ description: "A later delivery of the same event was recorded after all." }),
  })
  .openapi("DeadProviderEvent");

export const feedbackApi = createAdminApi()
  .openapi(
    createRoute({
      method: "get",
      path: "/responses",
      tags: ["Feedback"],
      summary: "What readers wrote back to the parts' calls to action, last written first",
      request: {
        query: z.object({
          series: seriesSlugSchema.optional(),
          part: z.coerce.number().int().min(1).max(9999).optional(),
          cursor: pairCursorSchema.optional(),
          limit: limitQuerySchema,
        }),
      },
      responses: {
        200: { description: "A page of responses.", content: json(pageSchema(responseItemSchema, "ResponsePage")) },
        ...errorResponses,
        ...notFoundResponse,
      },
    }),
    async (c) => {
      const query = c.req.valid("query");
      if (query.series !== undefined) requireSeries(query.series);
      return c.json(await listResponses(c.var.deps, query), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/feedback/dead",
      tags: ["Feedback"],
      summary: "Provider events the feedback queue gave up on (dead-lettered after its retries), newest first",
      request: { query: z.object({ cursor: pairCursorSchema.optional(), limit: limitQuerySchema }) },
      responses: {
        200: {
          description: "A page of dead-lettered events.",
          content: json(pageSchema(deadLetterSchema, "DeadProviderEventPage")),
        },
        ...errorResponses,
      },
    }),
    async (c) => c.json(await listDeadLettersPage(c.var.deps, c.req.valid("query")), 200),
  );

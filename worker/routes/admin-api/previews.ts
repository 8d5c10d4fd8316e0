import { createRoute, z } from "@hono/zod-openapi";
import { findPart } from "../../content/catalog";
import { AppError } from "../../errors";
import { limitBody } from "../../middleware/read-body";
import { composeSampleEmail, SAMPLE_READER } from "../../previews/sample-email";
import { sendTestEmail, TEST_SENDS_PER_MINUTE } from "../../previews/test-send";
import { emailAddressSchema } from "../../subscribers/email-address";
import { idempotency, idempotencyHeaderSchema } from "../../middleware/idempotency";
import {
  bodyErrorResponses,
  createAdminApi,
  errorBodySchema,
  errorResponses,
  json,
  notFoundResponse,
  requireSeries,
  seriesSlugSchema,
} from "./openapi-app";
import { previewFormatSchema, testSentSchema } from "./previews-schema";

/** A preview is the email's own markup: no script may run in the admin's origin, whatever a template holds. */
const PREVIEW_CSP =
  "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; font-src https: data:; sandbox";

const partNumberSchema = z
  .string()
  .regex(/^[1-9]\d{0,3}$/, "must be a part number")
  .transform(Number)
  .openapi({ type: "string", param: { name: "part", in: "path" }, example: "1" });

function requirePart(slug: string, number: number) {
  const series = requireSeries(slug);
  const part = findPart(series, number);
  if (!part) throw new AppError("NOT_FOUND", `part: series "${slug}" has ${series.parts.length} part(s).`);
  return { series, part };
}

const testSendBodySchema = z
  .object({
    to: z.string().openapi({ format: "email" }).pipe(emailAddressSchema),
    series: seriesSlugSchema,
    part: z.number().int().min(1).max(9999),
  })
  .strict()
  .openapi("TestSendRequest");

export const previewsApi = createAdminApi()
  .openapi(
    createRoute({
      method: "get",
      path: "/preview/{series}/{part}",
      tags: ["Previews"],
      summary: `A part exactly as the engine sends it, to the sample reader "${SAMPLE_READER.name} <${SAMPLE_READER.email}>"`,
      description: "Links are signed like a real email's but belong to no delivery: they record nothing.",
      request: {
        params: z.object({
          series: seriesSlugSchema.openapi({ param: { name: "series", in: "path" } }),
          part: partNumberSchema,
        }),
        query: z.object({ format: previewFormatSchema.default("html") }),
      },
      responses: {
        200: {
          description: "The email's html or text part.",
          content: { "text/html": { schema: z.string() }, "text/plain": { schema: z.string() } },
        },
        ...errorResponses,
        ...notFoundResponse,
      },
    }),
    async (c) => {
      const { series: slug, part: number } = c.req.valid("param");
      const { series, part } = requirePart(slug, number);
      const email = composeSampleEmail(c.var.deps, { series, part });
      c.header("content-security-policy", PREVIEW_CSP);
      c.header("cache-control", "private, no-store");
      const text = c.req.valid("query").format === "text";
      return c.body(text ? email.text : email.html, 200, {
        "content-type": text ? "text/plain; charset=UTF-8" : "text/html; charset=UTF-8",
      });
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/test-send",
      tags: ["Previews"],
      summary: `Send one part to an address, marked as a test ("[Test] " subject, X-Nextpart-Test: 1); ${TEST_SENDS_PER_MINUTE} a minute for the whole team`,
      description: "No delivery row, no change to any reader's position; its links record nothing.",
      middleware: [limitBody(4 * 1024), idempotency()] as const,
      request: {
        headers: idempotencyHeaderSchema,
        body: { required: true, content: json(testSendBodySchema) },
      },
      responses: {
        200: { description: "Accepted by the mailer.", content: json(testSentSchema) },
        ...errorResponses,
        429: {
          description: `Too many wrong tokens from this network, more than ${TEST_SENDS_PER_MINUTE} test sends this minute, or the team's provider rate is booked (Retry-After says when to try again).`,
          content: json(errorBodySchema),
        },
        ...notFoundResponse,
        ...bodyErrorResponses,
        409: { description: "A request with this Idempotency-Key is still running.", content: json(errorBodySchema) },
        422: { description: "This Idempotency-Key was used with another request.", content: json(errorBodySchema) },
        502: {
          description: "The mail provider failed; nothing was sent, or it is unknown.",
          content: json(errorBodySchema),
        },
      },
    }),
    async (c) => {
      const input = c.req.valid("json");
      const { series, part } = requirePart(input.series, input.part);
      const result = await sendTestEmail(c.var.deps, { to: input.to, series, part });
      switch (result.kind) {
        case "sent":
          return c.json(
            { sent: true as const, subject: result.subject, providerMessageId: result.providerMessageId },
            200,
          );
        case "rate_limited":
          throw new AppError("RATE_LIMITED", `At most ${TEST_SENDS_PER_MINUTE} test sends a minute; please wait.`);
        case "provider_busy":
          throw new AppError(
            "RATE_LIMITED",
            `The team's provider rate is booked by other sends: try again in ${result.retryAfterSeconds} s.`,
            undefined,
            {
              "Retry-After": String(result.retryAfterSeconds),
            },
          );
        case "refused":
          throw new AppError("BAD_REQUEST", `The mail provider refused the email: ${result.message}`);
        case "failed":
          throw new AppError("PROVIDER_ERROR", `The mail provider failed: ${result.message}`);
      }
    },
  );

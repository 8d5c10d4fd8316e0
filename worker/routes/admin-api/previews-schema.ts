import { z } from "@hono/zod-openapi";

/** What /preview and /test-send take and answer, in a module that imports only zod: the admin CLI uses it too. */
export const previewFormatSchema = z.enum(["html", "text"]);

export const testSentSchema = z
  .object({ sent: z.literal(true), subject: z.string(), providerMessageId: z.string().nullable() })
  .openapi("TestSent");

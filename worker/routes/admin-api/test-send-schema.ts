import { z } from "@hono/zod-openapi";

/** POST /test-send's answer, in its own module that imports only zod: the admin CLI parses with it too. */
export const testSentSchema = z
  .object({ sent: z.literal(true), subject: z.string(), providerMessageId: z.string().nullable() })
  .openapi("TestSent");

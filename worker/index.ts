import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import type { AppEnv } from "./app-env";
import { configProblem } from "./config";
import { runScheduledCycle } from "./delivery";
import { consumeDeliveryMessages } from "./delivery/queue-consumer";
import type { DeliveryMessage, Env, ImportChunkMessage } from "./env";
import { AppError } from "./errors";
import { rejectMalformedBodies } from "./lib/read-body";
import { retryConfirmationEmails } from "./subscribers/confirmation-email";
import { consumeImportChunks, IMPORT_DEAD_LETTER_QUEUE, IMPORT_QUEUE } from "./subscribers/import/consume-import-chunks";
import { errorResponse } from "./routes/error-response";
import { requireConfig } from "./routes/require-config";
import { actionRoutes } from "./routes/actions";
import { adminRoutes } from "./routes/admin";
import { adminOutboxPages } from "./routes/admin-outbox-pages";
import { seriesPageRoutes } from "./routes/series-pages";
import { signupRoutes } from "./routes/signup";
import { unsubscribeRoutes } from "./routes/unsubscribe";
import { webhookRoutes } from "./routes/webhooks";

const app = new Hono<AppEnv>()
  .use(requestId())
  .use(secureHeaders())
  .use(requireConfig)
  .use(rejectMalformedBodies)
  // For uptime monitors (and the HTTP bench's baseline): touches nothing.
  .get("/healthz", (c) => c.text("ok"))
  .route("/", signupRoutes)
  .route("/", unsubscribeRoutes)
  .route("/", seriesPageRoutes)
  .route("/", actionRoutes)
  .route("/", webhookRoutes)
  .route("/admin", adminRoutes)
  .route("/admin/outbox", adminOutboxPages)
  .notFound((c) => errorResponse(c, new AppError("NOT_FOUND", "There is nothing at this address.")))
  .onError((error, c) => errorResponse(c, error instanceof HTTPException ? error : unexpected(error)));

function unexpected(error: unknown): AppError {
  console.error("unhandled error", error);
  return new AppError("INTERNAL", "Something went wrong on our side. Please try again.");
}

export default {
  fetch: app.fetch,
  async scheduled(_controller, env, ctx) {
    const problem = configProblem(env);
    if (problem) {
      console.error("cron: refusing to send,", problem);
      return;
    }
    ctx.waitUntil(retryConfirmationEmails(env).catch((error) => console.error("confirmation retries failed", error)));
    ctx.waitUntil(
      runScheduledCycle(env).then(
        (summary) => console.log("delivery cycle", JSON.stringify(summary)),
        (error) => console.error("delivery cycle failed", error),
      ),
    );
  },
  async queue(batch, env, _ctx) {
    const problem = configProblem(env);
    if (problem) {
      // Kept on the queue (neither sent nor acked) until the configuration is fixed.
      console.error("queue: refusing to send,", problem);
      batch.retryAll({ delaySeconds: 300 });
      return;
    }
    if (batch.queue === IMPORT_QUEUE || batch.queue === IMPORT_DEAD_LETTER_QUEUE) {
      return consumeImportChunks(batch as MessageBatch<ImportChunkMessage>, env);
    }
    await consumeDeliveryMessages(batch as MessageBatch<DeliveryMessage>, env);
  },
} satisfies ExportedHandler<Env, DeliveryMessage | ImportChunkMessage>;

import { Hono } from "hono";
import { requestId } from "hono/request-id";
import { secureHeaders } from "hono/secure-headers";
import { appDeps } from "./app-deps";
import type { AppEnv } from "./app-env";
import { CLICK_DEAD_LETTER_QUEUE, CLICK_QUEUE, consumeClickMessages } from "./actions/consume-clicks";
import { configProblem } from "./config";
import { compiledCatalog } from "./content/catalog";
import { runCycle } from "./delivery/run-cycle";
import { consumeDeliveryMessages } from "./delivery/queue-consumer";
import type { ClickMessage, DeliveryMessage, Env, FeedbackMessage, ImportChunkMessage } from "./env";
import { consumeFeedback, FEEDBACK_DEAD_LETTER_QUEUE, FEEDBACK_QUEUE } from "./feedback/consume-feedback";
import { rejectMalformedBodies } from "./middleware/read-body";
import { retryConfirmationEmails } from "./mail/confirmation-email";
import { runReadingChecks } from "./reengage/run-reading-checks";
import { runRetention } from "./retention/run-retention";
import {
  consumeImportChunks,
  IMPORT_DEAD_LETTER_QUEUE,
  IMPORT_QUEUE,
} from "./subscribers/import/consume-import-chunks";
import { handleError, notFound } from "./routes/error-response";
import { provideDeps } from "./middleware/provide-deps";
import { actionRoutes } from "./routes/actions";
import { confirmRoutes } from "./routes/confirm";
import { ADMIN_API_BASE, adminApi } from "./routes/admin-api/admin-api";
import { dashboardRoutes } from "./routes/dashboard/dashboard-routes";
import { preferenceRoutes } from "./routes/preferences";
import { seriesPageRoutes } from "./routes/series-pages";
import { signupRoutes } from "./routes/signup";
import { stillReadingRoutes } from "./routes/still-reading";
import { unsubscribeRoutes } from "./routes/unsubscribe";
import { webhookRoutes } from "./routes/webhooks";

const app = new Hono<AppEnv>()
  .use(requestId())
  .use(secureHeaders())
  .use(provideDeps)
  .use(rejectMalformedBodies)
  // For uptime monitors (and the HTTP bench's baseline): touches nothing.
  .get("/healthz", (c) => c.text("ok"))
  // Browsers ask for it on every page: an empty answer, not a 404 page in every log.
  .get("/favicon.ico", (c) => c.body(null, 204))
  .route("/", signupRoutes)
  .route("/", confirmRoutes)
  .route("/", unsubscribeRoutes)
  .route("/", seriesPageRoutes)
  .route("/", actionRoutes)
  .route("/", stillReadingRoutes)
  .route("/", preferenceRoutes)
  .route("/", webhookRoutes)
  .route(ADMIN_API_BASE, adminApi)
  // After the API: the dashboard's pages are everything under /admin but /admin/api.
  .route("/admin", dashboardRoutes)
  .notFound(notFound)
  .onError(handleError);

export default {
  fetch: app.fetch,
  async scheduled(controller, env, ctx) {
    const problem = configProblem(env);
    if (problem) {
      console.error("cron: refusing to send,", problem);
      return;
    }
    // One set of deps for every job of this tick (Date.now as the clock; retention cuts off at the scheduled time).
    const deps = appDeps(env);
    ctx.waitUntil(retryConfirmationEmails(deps).catch((error) => console.error("confirmation retries failed", error)));
    ctx.waitUntil(
      runReadingChecks(deps).then(
        (summary) => console.log("reading checks", JSON.stringify(summary)),
        (error) => console.error("reading checks failed", error),
      ),
    );
    ctx.waitUntil(
      // Fan out through the queue when it is bound; otherwise send inline within the budget.
      runCycle(deps, { queue: env.DELIVERY_QUEUE }).then(
        (summary) => console.log("delivery cycle", JSON.stringify(summary)),
        (error) => console.error("delivery cycle failed", error),
      ),
    );
    // Bounded chunks of what the policy no longer keeps; one line per run says what went (docs/retention.md).
    ctx.waitUntil(
      runRetention(deps, { now: controller.scheduledTime }).then(
        (summary) => console.log("retention", JSON.stringify(summary)),
        (error) => console.error("retention failed", error),
      ),
    );
  },
  async queue(batch, env, _ctx) {
    // Recording provider events and clicks needs only D1, the time and the catalog: a configuration problem must
    // not hold them until they dead-letter, so they get these narrow deps instead of appDeps (which reads the config).
    const recorders = { db: env.DB, clock: Date.now, catalog: compiledCatalog, env };
    if (batch.queue === FEEDBACK_QUEUE || batch.queue === FEEDBACK_DEAD_LETTER_QUEUE)
      return consumeFeedback(recorders, batch);
    if (batch.queue === CLICK_QUEUE || batch.queue === CLICK_DEAD_LETTER_QUEUE)
      return consumeClickMessages(recorders, batch);
    const problem = configProblem(env);
    if (problem) {
      // Kept on the queue (neither sent nor acked) until the configuration is fixed.
      console.error("queue: refusing to send,", problem);
      batch.retryAll({ delaySeconds: 300 });
      return;
    }
    if (batch.queue === IMPORT_QUEUE || batch.queue === IMPORT_DEAD_LETTER_QUEUE) {
      return consumeImportChunks(appDeps(env), batch as MessageBatch<ImportChunkMessage>);
    }
    await consumeDeliveryMessages(appDeps(env), batch as MessageBatch<DeliveryMessage>);
  },
} satisfies ExportedHandler<Env, DeliveryMessage | ImportChunkMessage | FeedbackMessage | ClickMessage>;

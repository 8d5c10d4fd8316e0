import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { configProblem } from "../../worker/config";
import type { Env } from "../../worker/env";
import { FEEDBACK_QUEUE } from "../../worker/feedback/consume-feedback";
import worker from "../../worker/index";
import { clickOf, consumeClicks } from "../helpers/click-helpers";
import { resetDatabase } from "../helpers/delivery-helpers";
import { feedbackEvent } from "../helpers/feedback-helpers";
import { deliveredReader } from "../helpers/reader-helpers";
import { deliveryRow } from "../helpers/rows";
import { sentReaders } from "../helpers/webhook-helpers";

/**
 * A deployment whose configuration does not check refuses to send (tests/config.test.ts), but what the provider
 * and the readers already did is still recorded: those two consumers get deps without the configuration
 * (worker/index.ts), so their messages do not wait on the queue until they dead-letter.
 */
const BROKEN: Partial<Env> = { LOCAL_OUTBOX: "", RESEND_API_KEY: "" };

beforeEach(resetDatabase);

describe("with a broken configuration", () => {
  it("is broken indeed: the cron and the delivery queue refuse to send", () => {
    expect(configProblem({ ...env, ...BROKEN } as Env)).toContain("RESEND_API_KEY");
  });

  it("provider events are still recorded and acked", async () => {
    const [reader] = await sentReaders("broken-feedback", 1);
    const batch = createMessageBatch(FEEDBACK_QUEUE, [
      { id: "f1", timestamp: new Date(), attempts: 1, body: feedbackEvent("email.delivered", reader!.messageId) },
    ]);
    const ctx = createExecutionContext();
    await worker.queue(batch, { ...env, ...BROKEN } as Env, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.explicitAcks).toEqual(["f1"]);
    expect((await deliveryRow(reader!.id))!.deliveredAt).not.toBeNull();
  });

  it("clicks are still recorded and acked", async () => {
    const reader = await deliveredReader({ series: "fixture-four" });
    const { acked, retried } = await consumeClicks([clickOf(reader, 0, Date.now())], { bindings: BROKEN });
    expect({ acked, retried }).toEqual({ acked: [0], retried: [] });
    expect((await deliveryRow(reader.deliveryId))!.humanClickedAt).not.toBeNull();
  });
});

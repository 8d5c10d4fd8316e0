import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { resetDatabase } from "../helpers/delivery-helpers";
import { adminFetch, BASE } from "../helpers/route-helpers";
import { countRows, rowsNaming } from "../helpers/rows";
import { resendEvent, sendEvent, sentReaders, signWebhook } from "../helpers/webhook-helpers";

beforeEach(resetDatabase);

/** issue #14: a provider event names its recipient in `to`; none of it may stay once recorded. */
describe("provider events keep no address", () => {
  it("an event that arrives after the reader was erased", async () => {
    const [reader] = await sentReaders("erased-later", 1);
    expect((await adminFetch(`/admin/api/subscribers/${reader!.subscriberId}`, { method: "DELETE" })).status).toBe(200);
    expect(await rowsNaming(reader!.email)).toEqual([]);
    // Opens and deliveries keep coming for days after an erasure.
    for (const type of ["email.delivered", "email.opened", "email.clicked", "email.bounced", "email.complained"]) {
      expect((await sendEvent(resendEvent(type, reader!.messageId, reader!.email))).res.status).toBe(200);
    }
    expect(await rowsNaming(reader!.email)).toEqual([]);
    expect(await countRows("webhook_events", "delivery_id IS NULL")).toBe(5);
  });

  it("an event that matches no delivery (a test send, another app on the account)", async () => {
    const address = "stranger@example.com";
    for (const type of ["email.sent", "email.delivered", "email.bounced"]) {
      const { res, id } = await sendEvent(resendEvent(type, `other-app-${crypto.randomUUID()}`, address));
      expect(res.status).toBe(200);
      expect(await env.DB.prepare("SELECT type FROM webhook_events WHERE id = ?1").bind(id).first()).toEqual({ type });
    }
    expect(await rowsNaming(address)).toEqual([]);
  });

  it("the queued path: the message carries ids and times, never the address", async () => {
    const [reader] = await sentReaders("queued-privacy", 1);
    // A stand-in for the queue binding that keeps what the route hands it.
    const sent: unknown[] = [];
    const queue = { send: async (body: unknown) => void sent.push(body) } as unknown as Queue;
    const body = JSON.stringify(resendEvent("email.bounced", reader!.messageId, reader!.email));
    const ctx = createExecutionContext();
    const res = await worker.fetch(
      new Request(`${BASE}/webhooks/resend`, {
        method: "POST",
        headers: { "content-type": "application/json", ...signWebhook(body) },
        body,
      }),
      { ...env, FEEDBACK_QUEUE: queue },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    expect(await res.json()).toEqual({ received: true, queued: true });
    expect(sent).toHaveLength(1);
    // deliveryTag: the delivery id the email's tag names (null here: this event carries none).
    expect(Object.keys(sent[0] as object).sort()).toEqual([
      "createdAt",
      "deliveryTag",
      "emailId",
      "receivedAt",
      "svixId",
      "type",
    ]);
    expect(JSON.stringify(sent[0])).not.toContain(reader!.email);
  });
});

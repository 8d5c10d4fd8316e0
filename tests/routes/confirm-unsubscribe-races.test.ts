import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { confirmConsent } from "../../worker/subscribers/confirm";
import { unsubscribe } from "../../worker/subscribers/unsubscribe";
import { readerTokenOf } from "../helpers/reader-helpers";
import { confirmVia, postForm, signUp, signUpAndConfirm, uniqueEmail, ONE_CLICK } from "../helpers/route-helpers";
import { recordingD1 } from "../helpers/recording-d1";
import { consentsOf, eventsOf, findSubscriber, subscriptionsOf } from "../helpers/rows";
import { testDeps } from "../helpers/test-deps";

/** A confirm and an unsubscribe of the same reader interleaved: the unsubscribe always wins. */
describe("confirm and unsubscribe racing", () => {
  it("a confirm that read 'pending' before an unsubscribe never re-activates the reader after it", async () => {
    const signed = await signUp(uniqueEmail("race-confirm"));
    const [consent] = await consentsOf(signed.subscriber.id);
    // The unsubscribe lands between the confirm's reads and its writes (wrapped D1: no hook in the Worker).
    const { db: racing } = recordingD1(env.DB, {
      onBatch: async (_statements, run) => {
        await unsubscribe(testDeps(), { subscriberId: signed.subscriber.id, source: "admin" });
        return run();
      },
    });
    const result = await confirmConsent(testDeps({ db: racing }), consent!.id);
    expect(result.kind).toBe("used");
    expect(await findSubscriber(signed.email)).toMatchObject({ status: "unsubscribed", confirmedAt: null });
    expect((await subscriptionsOf(signed.subscriber.id))[0]).toMatchObject({ status: "stopped", dueAt: null });
    expect((await consentsOf(signed.subscriber.id))[0]!.confirmedAt).toBeNull();
    expect(await eventsOf(signed.subscriber.id)).toEqual(["unsubscribed"]);
  });

  it("an unsubscribe that read 'unsubscribed' before a confirm re-activated the reader still wins after it", async () => {
    // Unsubscribed, then asked to come back: a confirm link (consent B) is waiting.
    const reader = await signUpAndConfirm(uniqueEmail("race-unsub-read"));
    const token = await readerTokenOf(reader.subscriber.id);
    expect((await postForm(`/u/${token}`, ONE_CLICK, { origin: null })).status).toBe(200);
    expect((await postForm(`/resubscribe/${token}`, "")).status).toBe(200);
    const consentB = (await consentsOf(reader.subscriber.id)).at(-1)!;
    // An unsubscribe click reads "unsubscribed"; the confirm of B commits right after that read (wrapped D1).
    let confirmed = false;
    const { db: afterFirstRead } = recordingD1(env.DB, {
      onRun: async (_statement, method, run) => {
        const result = await run();
        if (method !== "run" && !confirmed) {
          confirmed = true;
          expect((await confirmConsent(testDeps(), consentB.id)).kind).toBe("confirmed_now");
        }
        return result;
      },
    });
    expect(
      await unsubscribe(testDeps({ db: afterFirstRead }), { subscriberId: reader.subscriber.id, source: "link" }),
    ).toBe("already_unsubscribed");
    expect(confirmed).toBe(true);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    expect((await subscriptionsOf(reader.subscriber.id))[0]).toMatchObject({ status: "stopped", dueAt: null });
    expect(await eventsOf(reader.subscriber.id)).toEqual(["confirmed", "unsubscribed", "confirmed", "unsubscribed"]);
  });

  it("an unsubscribe that lands after a confirm wins: the reader ends unsubscribed", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("race-unsub"));
    const token = await readerTokenOf(reader.subscriber.id);
    expect((await postForm(`/u/${token}`, ONE_CLICK, { origin: null })).status).toBe(200);
    // The confirm link pressed again afterwards (a second tab) changes nothing.
    expect((await confirmVia(reader.confirmLink)).status).toBe(400);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    expect(await eventsOf(reader.subscriber.id)).toEqual(["confirmed", "unsubscribed"]);
  });
});

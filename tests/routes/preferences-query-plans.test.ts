import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { compiledCatalog, findSeries } from "../../worker/content/catalog";
import { setDeliveryTime } from "../../worker/preferences/delivery-time";
import { joinSeries } from "../../worker/preferences/join-series";
import { askNextPartNow } from "../../worker/preferences/next-part-now";
import { pauseSubscription, resumeSubscription } from "../../worker/preferences/pause-subscription";
import { readPreferenceLink } from "../../worker/preferences/preference-link";
import { readPreferences } from "../../worker/preferences/read-preferences";
import { unsubscribeFromSeries } from "../../worker/subscribers/unsubscribe";
import { getDb } from "../../worker/db";
import { capturingD1, expectNoScans } from "../helpers/capturing-d1";
import { readerWithPart1, subscriptionOf } from "../helpers/preferences-helpers";
import { testKeyring } from "../helpers/route-helpers";

describe("the preference page's statements scan no whole table", () => {
  it("the link, the page's read, next part now, pause, resume, the delivery time, join and leaving one series", async () => {
    const reader = await readerWithPart1();
    const four = findSeries("fixture-four")!;
    const { d1, statements } = capturingD1();
    const now = Date.now();
    const link = await readPreferenceLink(d1, testKeyring(), reader.token);
    expect(link.kind).toBe("ok");
    const id = (await subscriptionOf(reader.subscriberId, "fixture-four")).id;
    const state = (await readPreferences(d1, id, now))!;
    expect((await askNextPartNow(d1, state, four, now)).kind).toBe("asked");
    await pauseSubscription(d1, id, now + 1000, now);
    await resumeSubscription(d1, id, compiledCatalog.orderJson, now);
    await setDeliveryTime(d1, state, four, { timezone: "Europe/Paris", sendHour: 7 }, now);
    const joined = await joinSeries(d1, "test-hash-secret-0123456789abcdefgh", { subscriberId: reader.subscriberId, timezone: null, series: findSeries("fixture-members")!, existing: null }, now);
    expect(joined.kind).toBe("joined");
    await unsubscribeFromSeries(getDb(env.DB), d1, { subscriberId: reader.subscriberId, subscriptionId: id, series: "fixture-four", others: 1 }, now);
    await expectNoScans(statements);
  });
});

import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { findSeries } from "../../worker/content/catalog";
import { setDeliveryTime } from "../../worker/preferences/delivery-time";
import { joinSeries } from "../../worker/preferences/join-series";
import { askNextPartNow } from "../../worker/preferences/next-part-now";
import { pauseSubscription, resumeSubscription } from "../../worker/preferences/pause-subscription";
import { readPreferenceLink } from "../../worker/preferences/preference-link";
import { readPreferences } from "../../worker/preferences/read-preferences";
import { unsubscribeFromSeries } from "../../worker/subscribers/unsubscribe";
import { expectNoScans, recordingD1 } from "../helpers/recording-d1";
import { seedReaders } from "../helpers/delivery-helpers";
import { readerWithPart1, subscriptionOf } from "../helpers/preferences-helpers";
import { testDeps, testDepsAt } from "../helpers/test-deps";

describe("the preference page's statements scan no whole table", () => {
  it("the link, the page's read, next part now, pause, resume, the delivery time, join and leaving one series", async () => {
    const reader = await readerWithPart1();
    const four = findSeries("fixture-four")!;
    const { db: d1, statements } = recordingD1();
    const deps = testDepsAt(Date.now(), { db: d1 });
    const link = await readPreferenceLink(deps, reader.token);
    expect(link.kind).toBe("ok");
    const id = (await subscriptionOf(reader.subscriberId, "fixture-four")).id;
    const state = (await readPreferences(deps, id))!;
    expect((await askNextPartNow(deps, { state, series: four })).kind).toBe("asked");
    await pauseSubscription(deps, { subscriptionId: id, until: deps.clock() + 1000 });
    await resumeSubscription(deps, id);
    await setDeliveryTime(deps, { state, series: four, timezone: "Europe/Paris", sendHour: 7 });
    const joined = await joinSeries(deps, {
      subscriberId: reader.subscriberId,
      timezone: null,
      series: findSeries("fixture-members")!,
      existing: null,
    });
    expect(joined.kind).toBe("joined");
    await unsubscribeFromSeries(deps, {
      subscriberId: reader.subscriberId,
      subscriptionId: id,
      series: "fixture-four",
      others: 1,
    });
    await expectNoScans(statements, ["part_refs"]);
  });
});

describe("what a page costs", () => {
  it("reads the reader's own rows, whatever the list's size: one batch of six reads (D1 round trips and rows counted)", async () => {
    const reader = await readerWithPart1();
    const id = (await subscriptionOf(reader.subscriberId, "fixture-four")).id;
    const cost = async () => {
      const { db, counts, writes } = recordingD1(env.DB);
      const link = await readPreferenceLink(testDeps({ db }), reader.token);
      expect(link.kind).toBe("ok");
      await readPreferences(testDeps({ db }), id);
      return { ...counts, rowsRead: writes.rowsRead };
    };
    const small = await cost();
    await seedReaders({ series: "fixture-four", count: 5000, prefix: "crowd", dueAt: Date.now() + 86_400_000 });
    const large = await cost();
    expect({ calls: large.calls, statements: large.statements }).toEqual({
      calls: small.calls,
      statements: small.statements,
    });
    expect(large.rowsRead - small.rowsRead).toBeLessThanOrEqual(2); // a B-tree one level deeper may cost a read or two
    // The link (a delivery by its key), then the page's six reads in one batch.
    expect(small).toMatchObject({ calls: 2, statements: 7 });
    expect(small.rowsRead).toBeLessThanOrEqual(12);
    console.log("preference page read:", JSON.stringify({ small, large }));
  });
});

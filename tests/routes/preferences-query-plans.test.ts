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
import { expectNoScans, recordingD1 } from "../helpers/recording-d1";
import { seedReaders } from "../helpers/delivery-helpers";
import { readerWithPart1, subscriptionOf } from "../helpers/preferences-helpers";
import { testKeyring } from "../helpers/route-helpers";

describe("the preference page's statements scan no whole table", () => {
  it("the link, the page's read, next part now, pause, resume, the delivery time, join and leaving one series", async () => {
    const reader = await readerWithPart1();
    const four = findSeries("fixture-four")!;
    const { db: d1, statements } = recordingD1();
    const now = Date.now();
    const link = await readPreferenceLink(d1, testKeyring(), reader.token);
    expect(link.kind).toBe("ok");
    const id = (await subscriptionOf(reader.subscriberId, "fixture-four")).id;
    const state = (await readPreferences(d1, id, now))!;
    expect((await askNextPartNow(d1, state, four, now)).kind).toBe("asked");
    await pauseSubscription(d1, id, now + 1000, now);
    await resumeSubscription(d1, id, compiledCatalog.orderJson, now);
    await setDeliveryTime(d1, state, four, { timezone: "Europe/Paris", sendHour: 7 }, now);
    const joined = await joinSeries(
      d1,
      "test-hash-secret-0123456789abcdefgh",
      { subscriberId: reader.subscriberId, timezone: null, series: findSeries("fixture-members")!, existing: null },
      now,
    );
    expect(joined.kind).toBe("joined");
    await unsubscribeFromSeries(
      getDb(env.DB),
      d1,
      { subscriberId: reader.subscriberId, subscriptionId: id, series: "fixture-four", others: 1 },
      now,
    );
    await expectNoScans(statements, ["part_refs"]);
  });
});

describe("what a page costs", () => {
  it("reads the reader's own rows, whatever the list's size: one batch of six reads (D1 round trips and rows counted)", async () => {
    const reader = await readerWithPart1();
    const id = (await subscriptionOf(reader.subscriberId, "fixture-four")).id;
    const cost = async () => {
      const { db, counts, writes } = recordingD1(env.DB);
      const link = await readPreferenceLink(db, testKeyring(), reader.token);
      expect(link.kind).toBe("ok");
      await readPreferences(db, id, Date.now());
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

import { describe, expect, it } from "vitest";
import { findReaderDelivery } from "../../worker/actions/reader-delivery";
import { recordClicks } from "../../worker/actions/record-clicks";
import { readerArchive } from "../../worker/content/reader-archive";
import { findSeries } from "../../worker/content/catalog";
import { findResponse, listResponses, saveResponse } from "../../worker/actions/action-responses";
import { expectNoScans, recordingD1 } from "../helpers/recording-d1";
import { clickOf } from "../helpers/click-helpers";
import { deliveredReader } from "../helpers/reader-helpers";
import { testKeyring } from "../helpers/route-helpers";
import { testDeps } from "../helpers/test-deps";

/**
 * Every statement the reader's verbs run (clicks, responses, the delivery lookup), captured by wrapping D1 in
 * the test, then explained with the same parameters: none may scan a table that grows with the list.
 */
describe("the reader's queries scan no whole table", () => {
  it("the delivery lookup, recordClicks (with a burst to flag), saveResponse, findResponse", async () => {
    const reader = await deliveredReader({ series: "fixture-four", part: 3 });
    const other = await deliveredReader({ series: "fixture-four", part: 2 });
    const { db: d1, statements } = recordingD1();
    const delivery = (await findReaderDelivery({ db: d1, config: { keyring: testKeyring() } }, reader.tokens.reader))!;
    const now = Date.now();
    await recordClicks({ db: d1 }, [clickOf(reader, 0, now), clickOf(other, 0, now)]);
    await recordClicks({ db: d1 }, [clickOf(reader, 1, now + 10), clickOf(other, 1, now + 10)]);
    expect(statements.filter((s) => /UPDATE clicks SET scanner_reason = 'burst'/.test(s.query))).toHaveLength(1);
    await saveResponse({ db: d1 }, { delivery, body: "hello", now: Date.now() });
    await findResponse({ db: d1 }, delivery.id);
    await expectNoScans(statements);
  });

  it("the readers-only archive: the parts a reader token's subscription received", async () => {
    const reader = await deliveredReader({ series: "fixture-members", part: 1 });
    const { db: d1, statements } = recordingD1();
    const archive = await readerArchive(testDeps({ db: d1 }), {
      token: reader.tokens.reader,
      series: findSeries("fixture-members")!,
    });
    expect([...archive!.received.keys()]).toEqual(["members-part-1"]);
    await expectNoScans(statements);
  });

  it("listResponses, filtered or not, first page or next", async () => {
    const { db: d1, statements } = recordingD1();
    await listResponses({ db: d1 }, { limit: 10 });
    await listResponses({ db: d1 }, { series: "fixture-four", part: 3, limit: 10, cursor: [Date.now(), 5] });
    await listResponses({ db: d1 }, { series: "fixture-four", limit: 10 });
    await expectNoScans(statements);
  });
});

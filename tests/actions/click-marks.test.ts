import { describe, expect, it } from "vitest";
import {
  decideClicks,
  MAX_CLICKS_PER_DELIVERY,
  MAX_CLICKS_PER_LINK,
  type DeliveryClicks,
} from "../../worker/actions/click-marks";
import type { ScannerReason } from "../../worker/actions/scanner-rules";
import type { ClickMessage } from "../../worker/env";
import { seeded, shuffled } from "../../scripts/seeded-random";
import { expectedCounts, expectedReasons } from "../helpers/click-spec";

/**
 * The consumer's decision, alone: whatever order the clicks of an email arrive in and however the queue splits
 * them into batches, its rows, flags and counters end where the plain rules over all the clicks say.
 */
const SENT = 1_000_000;
const T = SENT + 60_000;
let n = 0;
const clickAt = (link: number, at: number, reason: ClickMessage["reason"] = null): ClickMessage => ({
  id: `click${String(++n).padStart(3, "0")}`,
  deliveryId: 1,
  series: "s",
  partId: "p",
  link,
  at,
  reason,
});

/** Feeds the batches in turn, carrying the delivery's state and the rows as D1 would. */
function run(batches: ClickMessage[][]) {
  let delivery: DeliveryClicks = { sentAt: SENT, humanClickedAt: null, scannerClickedAt: null, marks: [] };
  const rows = new Map<string, { link: number; at: number; reason: ScannerReason | null }>();
  const counters = { human: 0, scanner: 0, duplicates: 0 };
  for (const batch of batches) {
    const decision = decideClicks(delivery, batch);
    // The rows are the new marks' clicks, in time order (as decideClicks adds them).
    const added = decision.marks
      .filter((mark) => !delivery.marks.some((old) => old[3] === mark[3]))
      .map((mark) => ({ id: mark[3] }));
    for (const flag of decision.flagged) {
      for (const row of rows.values())
        if (row.at === flag.at && row.link === flag.link && row.reason === null) row.reason = "burst";
    }
    for (const [i, row] of decision.rows.entries()) rows.set(added[i]!.id, row);
    counters.human += decision.humanDelta;
    counters.scanner += decision.scannerDelta;
    counters.duplicates += decision.duplicates;
    delivery = {
      ...delivery,
      humanClickedAt: decision.humanClickedAt,
      scannerClickedAt: decision.scannerClickedAt,
      marks: decision.marks,
    };
  }
  return { reasons: new Map([...rows].map(([id, row]) => [id, row.reason])), counters, delivery };
}

/** Two bursts (one taking back a person-click recorded a moment before), a HEAD, a person a minute later. */
const scenario = () => [
  clickAt(0, T),
  clickAt(1, T + 400), // a burst with the first
  clickAt(1, T + 1_300), // alone so far (1.3 s after the first)…
  clickAt(0, T + 2_000), // …until this one, 0.7 s later on another link
  clickAt(2, T + 5_000, "head"),
  clickAt(0, T + 60_000), // a person
];

describe("decideClicks: the scanner rules from the delivery's marks", () => {
  it("every order of arrival, in batches of one, ends as the rules over all the clicks say", () => {
    const clicks = scenario();
    const expected = expectedReasons(clicks, SENT);
    expect([...expected.values()]).toEqual(["burst", "burst", "burst", "burst", "head", null]);
    const orders = permutations(clicks);
    expect(orders).toHaveLength(720);
    for (const order of orders) {
      const { reasons, counters } = run(order.map((click) => [click]));
      expect(reasons, order.map((c) => c.id).join()).toEqual(expected);
      expect({ human: counters.human, scanner: counters.scanner }).toEqual(expectedCounts(expected));
    }
  });

  it("any split into batches, any order, redeliveries included: the same rows and counters, each click once", () => {
    const random = seeded(7);
    for (let round = 0; round < 300; round++) {
      const clicks = scenario().slice(0, 3 + Math.floor(random() * 4));
      const expected = expectedReasons(clicks, SENT);
      // Some clicks are delivered again, later, among the others.
      const stream = shuffled([...clicks, ...clicks.filter(() => random() < 0.3)], random);
      const batches: ClickMessage[][] = [];
      for (let i = 0; i < stream.length; ) {
        const size = 1 + Math.floor(random() * 3);
        batches.push(stream.slice(i, i + size));
        i += size;
      }
      const { reasons, counters } = run(batches);
      expect(reasons).toEqual(expected);
      expect({ human: counters.human, scanner: counters.scanner }).toEqual(expectedCounts(expected));
      expect(counters.duplicates).toBe(stream.length - clicks.length);
    }
  });

  it("the first person-click is the delivery's human_clicked_at; a burst taking it back moves it to the next", () => {
    const first = clickAt(0, T);
    const later = clickAt(0, T + 30_000);
    const { delivery } = run([[first], [later]]);
    expect(delivery.humanClickedAt).toBe(T);
    const taker = run([[first], [later], [clickAt(1, T + 500)]]);
    expect(taker.delivery).toMatchObject({ humanClickedAt: T + 30_000, scannerClickedAt: T });
    expect(taker.counters).toMatchObject({ human: 1, scanner: 1 });
  });

  it("keeps at most MAX_CLICKS_PER_LINK clicks of a link and MAX_CLICKS_PER_DELIVERY of an email; the rest change nothing", () => {
    const hammer = Array.from({ length: 40 }, (_, i) => clickAt(0, T + i * 2_000, "user-agent"));
    const once = decideClicks({ sentAt: SENT, humanClickedAt: null, scannerClickedAt: null, marks: [] }, hammer);
    expect(once.rows).toHaveLength(MAX_CLICKS_PER_LINK);
    expect(once.capped).toBe(40 - MAX_CLICKS_PER_LINK);
    const full = decideClicks(
      { sentAt: SENT, humanClickedAt: null, scannerClickedAt: null, marks: [] },
      Array.from({ length: MAX_CLICKS_PER_DELIVERY + 10 }, (_, i) => clickAt(i, T + i * 2_000)),
    );
    expect(full.marks).toHaveLength(MAX_CLICKS_PER_DELIVERY);
    const after = decideClicks({ sentAt: SENT, humanClickedAt: null, scannerClickedAt: null, marks: full.marks }, [
      clickAt(999, T + 10_000_000),
    ]);
    expect(after).toMatchObject({ rows: [], flagged: [], capped: 1 });
  });

  it("an email not yet recorded as sent: its clicks are too soon", () => {
    const decision = decideClicks({ sentAt: null, humanClickedAt: null, scannerClickedAt: null, marks: [] }, [
      clickAt(0, T),
    ]);
    expect(decision.rows).toEqual([{ link: 0, at: T, reason: "too-soon" }]);
    expect(decision).toMatchObject({ humanDelta: 0, scannerDelta: 1 });
  });
});

function permutations<T>(items: T[]): T[][] {
  if (items.length <= 1) return [items];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

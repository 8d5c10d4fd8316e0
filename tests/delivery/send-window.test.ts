import { beforeEach, describe, expect, it } from "vitest";
import { nextSendableTime } from "../../worker/delivery/schedule";
import { resetDatabase, DAY, runCycleAt, seedReaders } from "../helpers/delivery-helpers";
import { outboxOf, subscriptionsOf } from "../helpers/rows";

beforeEach(resetDatabase);

// "fixture-windowed": weekdays 08:00–10:00 in the reader's zone (series zone Europe/Paris), delays 0 and 1 day.
const weekdays = { days: [1, 2, 3, 4, 5], start: "08:00", end: "10:00" };
const SATURDAY_0800Z = Date.UTC(2026, 10, 28, 8, 0); // 09:00 in Paris (UTC+1)
const MONDAY_0700Z = Date.UTC(2026, 10, 30, 7, 0); // 08:00 in Paris

describe("nextSendableTime", () => {
  it("keeps a time inside the window", () => {
    expect(nextSendableTime(MONDAY_0700Z + 30 * 60_000, weekdays, "Europe/Paris")).toBe(MONDAY_0700Z + 30 * 60_000);
  });
  it("moves a weekend time to Monday's opening", () => {
    expect(nextSendableTime(SATURDAY_0800Z, weekdays, "Europe/Paris")).toBe(MONDAY_0700Z);
  });
  it("moves a time after closing to the next day's opening", () => {
    expect(nextSendableTime(Date.UTC(2026, 11, 1, 9, 0), weekdays, "Europe/Paris")).toBe(Date.UTC(2026, 11, 2, 7, 0));
  });
  it("follows daylight saving time (Paris is UTC+2 in summer)", () => {
    expect(nextSendableTime(Date.UTC(2026, 6, 4, 12, 0), weekdays, "Europe/Paris")).toBe(Date.UTC(2026, 6, 6, 6, 0));
    // The Sunday clocks go forward (2026-03-29), Monday opens at 06:00Z.
    expect(nextSendableTime(Date.UTC(2026, 2, 28, 12, 0), weekdays, "Europe/Paris")).toBe(Date.UTC(2026, 2, 30, 6, 0));
  });
  it("uses the reader's own zone", () => {
    expect(nextSendableTime(MONDAY_0700Z, weekdays, "America/New_York")).toBe(Date.UTC(2026, 10, 30, 13, 0));
  });
  it("is a no-op without a window", () => {
    expect(nextSendableTime(SATURDAY_0800Z, undefined, "Europe/Paris")).toBe(SATURDAY_0800Z);
  });
});

describe("send windows in the delivery cycle", () => {
  it("defers readers outside their window and sends when it opens", async () => {
    await seedReaders({ series: "fixture-windowed", count: 3, prefix: "paris", dueAt: SATURDAY_0800Z });
    await seedReaders({
      series: "fixture-windowed",
      count: 2,
      prefix: "newyork",
      dueAt: SATURDAY_0800Z,
      timezone: "America/New_York",
    });

    const saturday = await runCycleAt(SATURDAY_0800Z);
    expect(saturday).toMatchObject({ sent: 0, deferred: 5 });
    expect((await subscriptionsOf("paris")).map((s) => s.dueAt)).toEqual([MONDAY_0700Z, MONDAY_0700Z, MONDAY_0700Z]);
    expect((await subscriptionsOf("newyork")).map((s) => s.dueAt)).toEqual([
      Date.UTC(2026, 10, 30, 13, 0),
      Date.UTC(2026, 10, 30, 13, 0),
    ]);

    expect(await runCycleAt(MONDAY_0700Z)).toMatchObject({ sent: 3, deferred: 0 });
    expect(await outboxOf("newyork")).toHaveLength(0);
    expect(await runCycleAt(Date.UTC(2026, 10, 30, 13, 0))).toMatchObject({ sent: 2 });

    // Part 2: one day after part 1, inside the window again (Tuesday 08:00 Paris).
    const [paris] = await subscriptionsOf("paris");
    expect(paris!.dueAt).toBe(MONDAY_0700Z + DAY);
  });
});

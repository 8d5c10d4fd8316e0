import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { claimableAt, dueAtForPart, nextSendableTime, sendableHours } from "../../worker/delivery/schedule";
import { findSeries } from "../../worker/content/catalog";
import { DAY, HOUR, resetDatabase, runCycleAt, seedReaders } from "../helpers/delivery-helpers";
import { deliveriesOf, outboxOf, subscriptionsOf } from "../helpers/rows";

beforeEach(resetDatabase);

const weekdays = { days: [1, 2, 3, 4, 5], start: "08:00", end: "10:00" };
// Paris is UTC+1 in winter: 07:00 there is 06:00Z.
const TUESDAY_1000Z = Date.UTC(2026, 11, 1, 10, 0); // 11:00 in Paris
const WEDNESDAY_0600Z = Date.UTC(2026, 11, 2, 6, 0); // 07:00 in Paris
const MINUTE = 60_000;

/** Readers of a series with their preferred hour (and zone), due at `dueAt`. */
async function seedWithHour(prefix: string, series: string, sendHour: number, dueAt: number, extra = "") {
  await seedReaders({ series, count: 2, prefix, dueAt, timezone: "Europe/Paris" });
  await env.DB.prepare(
    `UPDATE subscriptions SET send_hour = ?1 ${extra} WHERE subscriber_id IN (SELECT id FROM subscribers WHERE email_key LIKE ?2 || '%')`,
  )
    .bind(sendHour, prefix)
    .run();
}

describe("a preferred hour in the schedule", () => {
  it("moves a due time to the next start of the reader's hour, and keeps one inside it", () => {
    expect(nextSendableTime(TUESDAY_1000Z, undefined, "Europe/Paris", 7)).toBe(WEDNESDAY_0600Z);
    expect(nextSendableTime(WEDNESDAY_0600Z + 30 * MINUTE, undefined, "Europe/Paris", 7)).toBe(
      WEDNESDAY_0600Z + 30 * MINUTE,
    );
    expect(nextSendableTime(WEDNESDAY_0600Z - MINUTE, undefined, "Europe/Paris", 7)).toBe(WEDNESDAY_0600Z);
    // The reader's own zone: 07:00 in New York is 12:00Z in winter.
    expect(nextSendableTime(TUESDAY_1000Z, undefined, "America/New_York", 7)).toBe(Date.UTC(2026, 11, 1, 12, 0));
    expect(nextSendableTime(TUESDAY_1000Z, undefined, "Europe/Paris", null)).toBe(TUESDAY_1000Z);
  });

  it("stays inside the series' window: its days and hours; an hour outside the window is ignored", () => {
    const saturday = Date.UTC(2026, 10, 28, 12, 0);
    expect(nextSendableTime(saturday, weekdays, "Europe/Paris", 9)).toBe(Date.UTC(2026, 10, 30, 8, 0)); // Monday 09:00 Paris
    expect(nextSendableTime(saturday, weekdays, "Europe/Paris", 18)).toBe(Date.UTC(2026, 10, 30, 7, 0)); // the window's opening
    expect(sendableHours(weekdays)).toEqual([8, 9]);
    expect(sendableHours({ days: [1], start: "08:30", end: "10:15" })).toEqual([8, 9, 10]);
    expect(sendableHours(undefined)).toHaveLength(24);
  });

  it("follows daylight saving time: 07:00 in Paris is 05:00Z in summer", () => {
    expect(nextSendableTime(Date.UTC(2026, 6, 1, 12, 0), undefined, "Europe/Paris", 7)).toBe(
      Date.UTC(2026, 6, 2, 5, 0),
    );
    // The night the clocks go forward (2026-03-29): 07:00 that morning is 05:00Z.
    expect(nextSendableTime(Date.UTC(2026, 2, 28, 23, 0), undefined, "Europe/Paris", 7)).toBe(
      Date.UTC(2026, 2, 29, 5, 0),
    );
  });

  it("a part's due time: its delay, then the hour", () => {
    const four = findSeries("fixture-four")!; // part 2: one day after part 1
    expect(dueAtForPart(four, 2, TUESDAY_1000Z, "Europe/Paris", 7)).toBe(Date.UTC(2026, 11, 3, 6, 0));
    expect(dueAtForPart(four, 2, TUESDAY_1000Z, "Europe/Paris")).toBe(TUESDAY_1000Z + DAY);
  });

  it("a claim sends during the hour and the hour after it, and holds anything else for the next one", () => {
    expect(claimableAt(WEDNESDAY_0600Z + 59 * MINUTE, undefined, "Europe/Paris", 7)).toBe(
      WEDNESDAY_0600Z + 59 * MINUTE,
    );
    expect(claimableAt(WEDNESDAY_0600Z + 61 * MINUTE, undefined, "Europe/Paris", 7)).toBe(
      WEDNESDAY_0600Z + 61 * MINUTE,
    );
    expect(claimableAt(WEDNESDAY_0600Z + 2 * HOUR, undefined, "Europe/Paris", 7)).toBe(WEDNESDAY_0600Z + DAY);
    expect(claimableAt(TUESDAY_1000Z, undefined, "Europe/Paris", 7)).toBe(WEDNESDAY_0600Z);
    expect(claimableAt(TUESDAY_1000Z, undefined, "Europe/Paris", null)).toBe(TUESDAY_1000Z);
    // The window still closes: 10:30 Paris on a Monday is past it, whatever the hour.
    expect(claimableAt(Date.UTC(2026, 10, 30, 9, 30), weekdays, "Europe/Paris", 9)).toBe(Date.UTC(2026, 11, 1, 8, 0));
  });
});

describe("a preferred hour in the delivery cycle (simulated clock)", () => {
  it("a part woken outside the reader's hour is held for it, then sent; the next part is due in the hour too", async () => {
    await seedWithHour("hour", "fixture-four", 7, TUESDAY_1000Z);
    await seedReaders({
      series: "fixture-four",
      count: 1,
      prefix: "anytime",
      dueAt: TUESDAY_1000Z,
      timezone: "Europe/Paris",
    });

    const tuesday = await runCycleAt(TUESDAY_1000Z);
    expect(tuesday).toMatchObject({ sent: 1, deferred: 2 });
    expect(await outboxOf("hour")).toHaveLength(0);
    expect((await subscriptionsOf("hour")).map((s) => s.dueAt)).toEqual([WEDNESDAY_0600Z, WEDNESDAY_0600Z]);

    expect(await runCycleAt(WEDNESDAY_0600Z - MINUTE)).toMatchObject({ sent: 0 });
    expect(await runCycleAt(WEDNESDAY_0600Z)).toMatchObject({ sent: 2, deferred: 0 });
    // Part 2 comes a day later, inside the hour: Thursday 07:00 Paris.
    expect((await subscriptionsOf("hour")).map((s) => [s.nextPart, s.dueAt])).toEqual([
      [2, WEDNESDAY_0600Z + DAY],
      [2, WEDNESDAY_0600Z + DAY],
    ]);
    expect((await deliveriesOf("hour")).map((d) => d.sendHour)).toEqual([7, 7]);
  });

  it("a part due late in the hour and claimed after it still goes that day; one overdue by more than an hour goes at once", async () => {
    await seedWithHour("late", "fixture-four", 7, WEDNESDAY_0600Z + 59 * MINUTE);
    expect(await runCycleAt(WEDNESDAY_0600Z + 70 * MINUTE)).toMatchObject({ sent: 2, deferred: 0 });

    await seedWithHour("backlog", "fixture-four", 7, WEDNESDAY_0600Z);
    const hoursLate = await runCycleAt(WEDNESDAY_0600Z + 3 * HOUR);
    expect(hoursLate).toMatchObject({ sent: 2, deferred: 0 });
    expect((await deliveriesOf("backlog")).map((d) => d.sendHour)).toEqual([null, null]);
  });

  it("a part the reader asked for now is not held for their hour", async () => {
    await seedWithHour("asked", "fixture-four", 7, TUESDAY_1000Z, ", asked_at = due_at");
    expect(await runCycleAt(TUESDAY_1000Z)).toMatchObject({ sent: 2, deferred: 0 });
    expect((await deliveriesOf("asked")).map((d) => d.sendHour)).toEqual([null, null]);
  });

  it("an asked-for part outside the series' window waits for the window only, and stays asked for", async () => {
    const saturday = Date.UTC(2026, 10, 28, 12, 0);
    const mondayOpening = Date.UTC(2026, 10, 30, 7, 0); // 08:00 Paris; the reader's hour is 09:00
    await seedWithHour("windowed", "fixture-windowed", 9, saturday, ", asked_at = due_at");
    expect(await runCycleAt(saturday)).toMatchObject({ sent: 0, deferred: 2 });
    expect((await subscriptionsOf("windowed")).map((s) => [s.dueAt, s.askedAt])).toEqual([
      [mondayOpening, mondayOpening],
      [mondayOpening, mondayOpening],
    ]);
    expect(await runCycleAt(mondayOpening)).toMatchObject({ sent: 2, deferred: 0 });
  });
});

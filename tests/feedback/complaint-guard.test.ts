import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { DAY, resetDatabase, runCycleAt, seedReaders } from "../helpers/delivery-helpers";
import { adminFetch } from "../helpers/route-helpers";
import {
  adminStats,
  resendEvent,
  sendEvent,
  sentReaders,
  WEBHOOK_SERIES,
  WEBHOOK_T0,
} from "../helpers/webhook-helpers";
import { countRows, outboxOf } from "../helpers/rows";

beforeEach(resetDatabase);

const T0 = WEBHOOK_T0;
const SERIES = WEBHOOK_SERIES;

/** A complaint about this reader's email, and the check the guard recorded for it (null: it did not run). */
async function complain(reader: { messageId: string; email: string }) {
  const before = await lastCheckId();
  expect((await sendEvent(resendEvent("email.complained", reader.messageId, reader.email))).res.status).toBe(200);
  const check = await env.DB.prepare(
    "SELECT id, data FROM events WHERE type = 'complaint_guard' ORDER BY id DESC LIMIT 1",
  ).first<{ id: number; data: string }>();
  const state = await env.DB.prepare("SELECT paused_at AS pausedAt FROM series_state WHERE series = ?1")
    .bind(SERIES)
    .first<{ pausedAt: number | null }>();
  const guard =
    check && check.id !== before
      ? {
          ...(JSON.parse(check.data) as { complaintsInWindow: number; threshold: number }),
          paused: state?.pausedAt != null,
        }
      : null;
  return { guard };
}
const lastCheckId = async () =>
  (await env.DB.prepare("SELECT max(id) AS id FROM events WHERE type = 'complaint_guard'").first<{
    id: number | null;
  }>())!.id;

const post = (path: string, token?: string | null) => adminFetch(path, { method: "POST", token });

describe("the complaint guard", () => {
  it("pauses a series at 2 complaints in its last 1,000 deliveries; the claim skips it; the admin resumes it", async () => {
    const readers = await sentReaders("guard", 20);
    expect((await complain(readers[0]!)).guard).toMatchObject({ complaintsInWindow: 1, threshold: 2, paused: false });
    expect((await complain(readers[1]!)).guard).toMatchObject({ complaintsInWindow: 2, threshold: 2, paused: true });

    const state = await env.DB.prepare(
      "SELECT paused_at AS pausedAt, pause_reason AS reason FROM series_state WHERE series = ?1",
    )
      .bind(SERIES)
      .first<{ pausedAt: number | null; reason: string }>();
    expect(state!.pausedAt).not.toBeNull();
    expect(state!.reason).toContain("2 spam complaints among the last 1000 deliveries");

    // Part 2 is due for the 18 others, and another series has readers due: only that series sends.
    await seedReaders({ series: "origins-of-lead-change", count: 3, prefix: "other", dueAt: T0 + DAY });
    const paused = await runCycleAt(T0 + 2 * DAY);
    expect(paused.sent).toBe(3);
    expect(paused.perPart).toEqual({ "origins-of-lead-change/1": 3 });
    expect(await runCycleAt(T0 + 2 * DAY, { dryRun: true })).toMatchObject({ due: 0 });

    const stats = await adminStats(SERIES);
    expect(stats.series[0]).toMatchObject({ series: SERIES, paused: true });
    expect(stats.series[0]!.pauseReason).toContain("2 spam complaints");
    expect(stats.series[0]!.complaintGuard).toMatchObject({ threshold: 2, window: 1000, complaintsInWindow: 2 });
    expect(stats.series[0]!.parts[0]).toMatchObject({ sent: 20, complaints: 2, waiting: 0 });
    expect(stats.series[0]!.parts[1]).toMatchObject({ sent: 0, waiting: 18 });

    const resumed = await post(`/admin/api/series/${SERIES}/resume`);
    expect(resumed.status).toBe(200);
    expect(await resumed.json()).toMatchObject({ series: SERIES, paused: false, changed: true });
    const after = await runCycleAt(T0 + 2 * DAY + 1);
    expect(after.sent).toBe(18);
    expect(after.perPart).toEqual({ [`${SERIES}/2`]: 18 });
    expect(await outboxOf(readers[0]!.email)).toHaveLength(1); // the complainers got nothing more
  });

  it("counts only complaints among the series' last 1,000 deliveries", async () => {
    const readers = await sentReaders("window", 1002);
    // The oldest delivery is 1,002nd from the end: outside the window; the third is the window's first.
    expect((await complain(readers[0]!)).guard).toMatchObject({ complaintsInWindow: 0, paused: false });
    expect((await complain(readers[1001]!)).guard).toMatchObject({ complaintsInWindow: 1, paused: false });
    expect((await complain(readers[2]!)).guard).toMatchObject({ complaintsInWindow: 2, paused: true });
  });
});

describe("POST /admin/api/series/:series/pause and /resume", () => {
  it("pause stops the series until resume; each answers its state", async () => {
    await seedReaders({ series: SERIES, count: 3, prefix: "manual", dueAt: T0 });
    const paused = await post(`/admin/api/series/${SERIES}/pause`);
    expect(paused.status).toBe(200);
    expect(await paused.json()).toMatchObject({ paused: true, changed: true, reason: "paused by the admin" });
    expect(await (await post(`/admin/api/series/${SERIES}/pause`)).json()).toMatchObject({
      paused: true,
      changed: false,
    });
    expect((await runCycleAt(T0)).sent).toBe(0);
    await post(`/admin/api/series/${SERIES}/resume`);
    expect((await runCycleAt(T0)).sent).toBe(3);
    expect(await (await post(`/admin/api/series/${SERIES}/resume`)).json()).toMatchObject({
      paused: false,
      changed: false,
    });
  });

  it("refuses unknown series, bad slugs and missing tokens", async () => {
    expect((await post("/admin/api/series/no-such-series/pause")).status).toBe(404);
    expect((await post("/admin/api/series/Bad%20Slug!/resume")).status).toBe(400);
    expect((await post(`/admin/api/series/${"x".repeat(300)}/pause`)).status).toBe(400);
    expect((await post(`/admin/api/series/${SERIES}/pause`, null)).status).toBe(401);
    expect((await post(`/admin/api/series/${SERIES}/pause`, "wrong")).status).toBe(401);
    expect((await adminFetch("/admin/api/stats", { token: null })).status).toBe(401);
    expect((await adminFetch("/admin/api/stats?series=nope")).status).toBe(404);
    expect((await adminFetch("/admin/api/stats?series=%3Cscript%3E")).status).toBe(400);
  });
});

describe("GET /admin/api/stats", () => {
  it("reads as many rows with 2,000 deliveries as with 50", async () => {
    const FAR = Date.UTC(2030, 0, 1);
    await seedReaders({ series: SERIES, count: 50, prefix: "early", dueAt: T0 });
    await seedReaders({ series: SERIES, count: 1950, prefix: "late", dueAt: FAR });
    expect((await runCycleAt(T0)).sent).toBe(50);
    const few = await adminStats();

    await env.DB.prepare("UPDATE subscriptions SET due_at = ?1 WHERE due_at = ?2").bind(T0, FAR).run();
    expect((await runCycleAt(T0)).sent).toBe(1950);
    expect(await countRows("deliveries")).toBe(2000);
    const many = await adminStats();

    expect(many.series.find((s) => s.series === SERIES)!.parts[0]).toMatchObject({ sent: 2000, waiting: 0 });
    expect(many.series.find((s) => s.series === SERIES)!.parts[1]).toMatchObject({ waiting: 2000 });
    expect(many.d1.rowsRead, JSON.stringify({ few: few.d1, many: many.d1 })).toBe(few.d1.rowsRead);
    expect(many.d1.statements).toBe(few.d1.statements);
  });
});

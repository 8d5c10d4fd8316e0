import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { listSeries } from "../../worker/content/catalog";
import type { Growth } from "../../worker/stats/read-growth";
import { growthSchema } from "../../worker/routes/admin-api/growth-schema";
import { declaredSchema, expectApiError, expectDeclared } from "../helpers/admin-api-helpers";
import { adminFetch, DEFAULT_SERIES, signUp, signUpAndConfirm, uniqueEmail } from "../helpers/route-helpers";

type GrowthBody = Growth & { d1: { statements: number; rowsRead: number; rowsWritten: number } };

const today = () => new Date().toISOString().slice(0, 10);

describe("GET /admin/api/growth", () => {
  it("answers every series' days over the last 30 days, parsed with its declared schema", async () => {
    await env.DB.prepare("DELETE FROM series_days").run();
    await signUpAndConfirm(uniqueEmail("api-growth"));
    await signUp(uniqueEmail("api-growth"));
    // The schema the route declares is the one the CLI parses with.
    expect(declaredSchema("get", "/growth", 200)).toBe(growthSchema);

    const body = await expectDeclared<GrowthBody>(await adminFetch("/admin/api/growth"), "get", "/growth");
    expect(body).toMatchObject({ days: 30, to: today() });
    expect(body.series.map((s) => s.series)).toEqual(listSeries().map((s) => s.slug));
    const series = body.series.find((s) => s.series === DEFAULT_SERIES)!;
    expect(series.days).toHaveLength(30);
    expect(series.days[0]!.day).toBe(body.from);
    expect(series.days.at(-1)).toEqual({ day: today(), signups: 2, confirmations: 1, unsubscribes: 0 });
    expect(series.totals).toEqual({ signups: 2, confirmations: 1, unsubscribes: 0 });
    // A few rows whatever the list size: one statement, the series' own rows.
    expect(body.d1).toMatchObject({ statements: 1, rowsWritten: 0 });
    expect(body.d1.rowsRead).toBeLessThanOrEqual(listSeries().length * 3 + 1);
  });

  it("?series= and ?days=90 narrow and widen it", async () => {
    const body = await expectDeclared<GrowthBody>(
      await adminFetch(`/admin/api/growth?series=${DEFAULT_SERIES}&days=90`),
      "get",
      "/growth",
    );
    expect(body.days).toBe(90);
    expect(body.series.map((s) => [s.series, s.days.length])).toEqual([[DEFAULT_SERIES, 90]]);
    expect(body.series[0]!.title).toBe("Origins of Lead Change");
  });

  it("refuses a window other than 30 or 90 days, and a malformed series, with a 400; an unknown series is a 404", async () => {
    for (const query of [
      "days=7",
      "days=abc",
      "days=",
      "days=30&days=90",
      "series=Not%20A%20Slug",
      `series=${"a".repeat(101)}`,
    ]) {
      await expectApiError(await adminFetch(`/admin/api/growth?${query}`), 400, "BAD_REQUEST");
    }
    await expectApiError(
      await adminFetch("/admin/api/growth?series=no-such-series"),
      404,
      "NOT_FOUND",
      /no-such-series/,
    );
  });
});

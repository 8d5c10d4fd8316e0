import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { resetDatabase, seedReaders } from "../helpers/delivery-helpers";
import { decodeEntities } from "../helpers/route-helpers";
import { countRows, outboxCount } from "../helpers/rows";
import { dashboardGet, dashboardPost, signIn, type DashboardSession } from "./dashboard-helpers";

const SERIES = "fixture-four";

const seriesState = () =>
  env.DB.prepare("SELECT paused_at AS pausedAt, pause_reason AS reason FROM series_state WHERE series = ?1")
    .bind(SERIES)
    .first<{ pausedAt: number | null; reason: string | null }>();
const deliveryCount = () => countRows("deliveries");

/** Row counts of every table a dashboard action could write, and the series' pause state. */
async function snapshot() {
  const tables = [
    "subscribers",
    "subscriptions",
    "deliveries",
    "batches",
    "events",
    "outbox",
    "series_state",
    "part_stats",
  ];
  const counts = await env.DB.batch(tables.map((table) => env.DB.prepare(`SELECT count(*) AS n FROM ${table}`)));
  return { counts: counts.map((result) => (result.results[0] as { n: number }).n), state: await seriesState() };
}

let session: DashboardSession;
beforeEach(async () => {
  await resetDatabase();
  session = await signIn();
});

describe("dry run, then send now", () => {
  it("a dry run shows what would go and sends nothing; send now sends exactly that", async () => {
    await seedReaders({ series: SERIES, count: 3, prefix: "dash-send-" });
    const outboxBefore = await outboxCount();

    const dry = await dashboardPost("/admin/send/dry-run", session, { series: SERIES });
    expect(dry.status).toBe(200);
    const dryHtml = await dry.text();
    expect(dryHtml).toContain("<h1>Dry run: Fixture Four</h1>");
    expect(dryHtml).toContain("3 emails would go now (mailer: outbox). Nothing was sent.");
    expect(dryHtml).toMatch(/<td>fixture-four\/1<\/td><td class="num">3<\/td>/);
    // The next step is a real run of the same series.
    expect(dryHtml).toContain('<form method="post" action="/admin/send"');
    expect(dryHtml).toContain('<option value="fixture-four" selected="">Fixture Four</option>');
    expect(await deliveryCount()).toBe(0);
    expect(await outboxCount()).toBe(outboxBefore);

    const sent = await dashboardPost("/admin/send", session, { series: SERIES });
    expect(sent.status).toBe(200);
    expect(await sent.text()).toContain("3 emails sent (mailer: outbox).");
    expect(await deliveryCount()).toBe(3);
    expect(await outboxCount()).toBe(outboxBefore + 3);

    const again = await dashboardPost("/admin/send/dry-run", session, {});
    expect(await again.text()).toContain("Nothing is due right now");
  });

  it("refuses a series that is not in the catalog (404) or not a slug (400)", async () => {
    expect((await dashboardPost("/admin/send/dry-run", session, { series: "no-such-series" })).status).toBe(404);
    expect((await dashboardPost("/admin/send", session, { series: "<b>x</b>" })).status).toBe(400);
    expect(await deliveryCount()).toBe(0);
  });
});

describe("pause and resume a series", () => {
  it("pause stops the series with a reason the overview shows; resume clears it", async () => {
    const paused = await dashboardPost(`/admin/series/${SERIES}/pause`, session);
    expect(paused.status).toBe(303);
    expect(paused.headers.get("location")).toBe(`/admin#series-${SERIES}`);
    expect(await seriesState()).toEqual({ pausedAt: expect.any(Number), reason: "paused from the dashboard" });
    const overview = decodeEntities(await (await dashboardGet("/admin", session)).text());
    expect(overview).toContain("<strong>Fixture Four</strong> is paused: paused from the dashboard.");
    expect(overview).toContain("Resume Fixture Four</button>");

    const resumed = await dashboardPost(`/admin/series/${SERIES}/resume`, session);
    expect(resumed.status).toBe(303);
    expect(await seriesState()).toEqual({ pausedAt: null, reason: null });
    const after = await (await dashboardGet("/admin", session)).text();
    expect(after).not.toContain("is paused");
    expect(after).toContain("Pause Fixture Four</button>");
  });

  it("an unknown series is a 404 and changes nothing", async () => {
    const before = await snapshot();
    expect((await dashboardPost("/admin/series/no-such-series/pause", session)).status).toBe(404);
    expect((await dashboardPost(`/admin/series/${"x".repeat(300)}/pause`, session)).status).toBe(404);
    expect(await snapshot()).toEqual(before);
  });
});

describe("every state change is a POST with the session's form token, from this site", () => {
  const attempts: [string, (s: DashboardSession) => Promise<Response>][] = [
    ["no token", (s) => dashboardPost(`/admin/series/${SERIES}/pause`, s, {}, { csrf: null })],
    ["an empty token", (s) => dashboardPost(`/admin/series/${SERIES}/pause`, s, {}, { csrf: "" })],
    [
      "a wrong token",
      (s) => dashboardPost(`/admin/series/${SERIES}/pause`, s, {}, { csrf: `${s.csrf.slice(0, -2)}xx` }),
    ],
    [
      "another site's origin",
      (s) => dashboardPost(`/admin/series/${SERIES}/pause`, s, {}, { origin: "https://evil.example" }),
    ],
    ["no origin at all", (s) => dashboardPost(`/admin/series/${SERIES}/pause`, s, {}, { origin: null })],
    ["a dry run without its token", (s) => dashboardPost("/admin/send", s, { series: SERIES }, { csrf: null })],
  ];
  for (const [what, attempt] of attempts) {
    it(`${what}: 403, nothing changed`, async () => {
      await seedReaders({ series: SERIES, count: 1, prefix: "dash-csrf-" });
      const before = await snapshot();
      const res = await attempt(session);
      expect(res.status).toBe(403);
      expect(await snapshot()).toEqual(before);
    });
  }

  it("a refusal is a dashboard page that says why and leads back, in the dashboard's frame", async () => {
    const res = await dashboardPost(`/admin/series/${SERIES}/pause`, session, {}, { csrf: null });
    expect(res.status).toBe(403);
    const html = await res.text();
    expect(html).toContain('<p class="error" role="alert">This form has expired or did not come from the dashboard.');
    expect(html).toContain('<a href="/admin">Back to the overview</a>');
    expect(html).not.toContain("signup page");
    const crossSite = await (
      await dashboardPost(`/admin/series/${SERIES}/pause`, session, {}, { origin: "https://evil.example" })
    ).text();
    expect(crossSite).toContain("This form was sent from another site, or without its origin.");
    const missing = await dashboardGet("/admin/no-such-page", session);
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("There is no dashboard page at this address.");
  });

  it("another session's token is refused: tokens are bound to their session", async () => {
    const other = await signIn();
    expect(other.csrf).not.toBe(session.csrf);
    const res = await dashboardPost(`/admin/series/${SERIES}/pause`, session, {}, { csrf: other.csrf });
    expect(res.status).toBe(403);
    expect(await seriesState()).toBeNull();
  });

  it("without a session a POST goes to sign-in and changes nothing", async () => {
    const before = await snapshot();
    const res = await dashboardPost(`/admin/series/${SERIES}/pause`, null, {}, { csrf: session.csrf });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/admin/sign-in");
    expect(await snapshot()).toEqual(before);
  });

  it("GET changes nothing: every page and every action URL fetched with GET", async () => {
    await seedReaders({ series: SERIES, count: 2, prefix: "dash-get-" });
    const before = await snapshot();
    for (const path of ["/admin", "/admin/readers", "/admin/readers?q=dash-get", "/admin/outbox", "/admin/sign-in"]) {
      expect((await dashboardGet(path, session)).status, path).toBeLessThan(400);
    }
    for (const path of [`/admin/series/${SERIES}/pause`, "/admin/send", "/admin/send/dry-run", "/admin/sign-out"]) {
      expect((await dashboardGet(path, session)).status, path).toBe(404);
    }
    expect(await snapshot()).toEqual(before);
    expect(await deliveryCount()).toBe(0);
  });
});

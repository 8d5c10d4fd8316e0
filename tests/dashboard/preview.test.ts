import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../worker/index";
import { beforeEach, describe, expect, it } from "vitest";
import { readConfig } from "../../worker/config";
import { findSeries } from "../../worker/content/catalog";
import { composeSampleEmail } from "../../worker/previews/sample-email";
import { TEST_SENDS_PER_MINUTE } from "../../worker/previews/test-send";
import { decodeEntities, ORIGIN, uniqueEmail } from "../helpers/route-helpers";
import { outboxFor } from "../helpers/rows";
import { dashboardGet, dashboardPost, signIn, type DashboardSession } from "./dashboard-helpers";

let session: DashboardSession;
beforeEach(async () => {
  await env.DB.prepare("DELETE FROM rate_counters").run();
  session = await signIn();
});

/** The html of the srcdoc attribute, as the browser will parse it. */
const srcdocOf = (html: string) => decodeEntities(/srcdoc="([^"]*)"/.exec(html)?.[1] ?? "");

describe("preview a part", () => {
  it("shows the part as the API's preview composes it, in a sandboxed frame, with its text version", async () => {
    const res = await dashboardGet("/admin/preview?series=fixture-four&part=2", session);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toMatch(
      /<iframe class="email" title="Email preview" sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="/,
    );
    // Byte for byte the email the API's preview serves (the same verb), links opening in a new tab.
    const series = findSeries("fixture-four")!;
    const email = await composeSampleEmail({ config: readConfig(env) }, { series, part: series.parts[1]! });
    expect(srcdocOf(html)).toBe(`<base target="_blank">${email.html}`);
    expect(decodeEntities(/<pre class="text">([^<]*)<\/pre>/.exec(html)![1]!)).toBe(email.text);
    expect(html).toMatch(/<a href="\/admin\/preview\?series=fixture-four&amp;part=2" aria-current="page">2 · /);
    expect(html).toContain('<input type="hidden" name="part" value="2"/>');
    // The page itself keeps the dashboard's strict policy: no script anywhere.
    expect(res.headers.get("content-security-policy")).toContain("default-src 'none'");
    expect(res.headers.get("content-security-policy")).not.toContain("script-src");
  });

  it("without a series it shows the default series' first part; part defaults to 1", async () => {
    const opened = await (await dashboardGet("/admin/preview", session)).text();
    expect(srcdocOf(opened)).toContain("The Opportunity");
    const first = await (await dashboardGet("/admin/preview?series=fixture-four", session)).text();
    expect(srcdocOf(first)).toContain("Fixture part 1");
  });

  it("a part written ahead previews before its release, marked scheduled in the part list", async () => {
    const res = await dashboardGet("/admin/preview?series=fixture-scheduled&part=2", session);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(srcdocOf(html)).toContain("Scheduled part 2 body.");
    expect(html).toContain("Scheduled: released 2099-01-15 08:00 UTC. Until then nobody is sent it");
    const marked = [
      ...html.matchAll(/part=(\d)"[^>]*>\d · [^<]*(<span class="badge scheduled">scheduled ([^<]*)<\/span>)?<\/a>/g),
    ].map((m) => [m[1], m[3] ?? null]);
    expect(marked).toEqual([
      ["1", null],
      ["2", "2099-01-15 08:00 UTC"],
      ["3", "2099-01-31 23:00 UTC"],
      ["4", "2099-01-31 23:00 UTC"],
    ]);
    const released = await (await dashboardGet("/admin/preview?series=fixture-scheduled&part=1", session)).text();
    expect(released).not.toContain("Scheduled: released");
  });

  it("an unknown series or part is a 404 page; a part that is not a number a 400", async () => {
    const bad: [string, number, string][] = [
      ["/admin/preview?series=fixture-four&part=5", 404, "has 4 part(s): there is no part 5."],
      ["/admin/preview?series=no-such-series&part=1", 404, "There is no series"],
      ["/admin/preview?series=fixture-four&part=abc", 400, "part: must be a part number"],
      ["/admin/preview?series=fixture-four&part=0", 400, "part: must be a part number"],
      ["/admin/preview?series=%3Cb%3E&part=1", 400, "series: must be a series slug."],
    ];
    for (const [path, status, message] of bad) {
      const res = await dashboardGet(path, session);
      expect(res.status, path).toBe(status);
      expect(await res.text(), path).toContain(message);
    }
  });
});

describe("send a test", () => {
  it("sends the part to one address through the mailer and says so", async () => {
    const to = uniqueEmail("dash-test");
    const res = await dashboardPost("/admin/preview/test-send", session, { series: "fixture-four", part: "3", to });
    expect(res.status).toBe(200);
    const html = decodeEntities(await res.text());
    const mails = await outboxFor(to);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject.startsWith("[Test] ")).toBe(true);
    expect(html).toContain(`<p class="ok" role="status">Sent “${mails[0]!.subject}” to ${to}.</p>`);
  });

  it("a bad address is a 400 with the message, and nothing is sent", async () => {
    const res = await dashboardPost("/admin/preview/test-send", session, {
      series: "fixture-four",
      part: "1",
      to: "not an address",
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("Address: Please enter a valid email address");
    expect(await env.DB.prepare("SELECT count(*) AS n FROM rate_counters").first<{ n: number }>()).toEqual({ n: 0 });
    expect(
      (
        await dashboardPost("/admin/preview/test-send", session, {
          series: "fixture-four",
          part: "9",
          to: uniqueEmail(),
        })
      ).status,
    ).toBe(404);
  });

  it(`respects the team-wide limit of ${TEST_SENDS_PER_MINUTE} a minute (429 page, nothing sent)`, async () => {
    const now = Date.now();
    await env.DB.prepare("INSERT INTO rate_counters (name, window_start, count) VALUES ('test-send', ?1, ?2)")
      .bind(now - (now % 60_000), TEST_SENDS_PER_MINUTE)
      .run();
    const to = uniqueEmail("dash-limited");
    const res = await dashboardPost("/admin/preview/test-send", session, { series: "fixture-four", part: "1", to });
    expect(res.status).toBe(429);
    expect(await res.text()).toContain(`At most ${TEST_SENDS_PER_MINUTE} test sends a minute for the whole team`);
    expect(await outboxFor(to)).toHaveLength(0);
  });

  it("books a slot of the team's rate: when it is booked far ahead, a 429 page that says when to retry, nothing sent", async () => {
    await env.DB.prepare(
      "INSERT INTO provider_slots (provider, next_slot_at) VALUES ('outbox', ?1) ON CONFLICT (provider) DO UPDATE SET next_slot_at = ?1",
    )
      .bind(Date.now() + 60_000)
      .run();
    const to = uniqueEmail("dash-busy");
    const ctx = createExecutionContext();
    const request = new Request("https://news.example.com/admin/preview/test-send", {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: ORIGIN,
        cookie: session.cookie,
        "cf-connecting-ip": session.ip,
      },
      body: new URLSearchParams({ csrf: session.csrf, series: "fixture-four", part: "1", to }).toString(),
    });
    const res = await worker.fetch(request, { ...env, PROVIDER_RPS: "5" }, ctx);
    await waitOnExecutionContext(ctx);
    expect(res.status).toBe(429);
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(50);
    expect(decodeEntities(await res.text())).toContain(
      `The team's mail provider rate is booked by other sends right now: try again in ${retryAfter} seconds.`,
    );
    expect(await outboxFor(to)).toHaveLength(0);
    await env.DB.prepare("DELETE FROM provider_slots WHERE provider = 'outbox'").run();
  });
});

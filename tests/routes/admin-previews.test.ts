import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import worker from "../../worker/index";
import { describe, expect, it } from "vitest";
import { TEST_SENDS_PER_MINUTE } from "../../worker/previews/test-send";
import {
  ADMIN_TOKEN,
  adminFetch,
  adminSend,
  extractLinks,
  get,
  settled,
  signUpAndConfirm,
  uniqueEmail,
  uniqueIp,
} from "../helpers/route-helpers";
import { countRows, outboxFor } from "../helpers/rows";
import { declaredSchema, expectApiError, expectDeclared } from "../helpers/admin-api-helpers";

const SERIES = "origins-of-lead-change";

/** Reader tokens differ per delivery; everything else of a preview is the engine's own bytes. */
const withoutTokens = (text: string) => text.replace(/t2\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{11,22}/g, "<token>");

const testSend = (body: unknown, headers: Record<string, string> = {}) =>
  adminFetch("/admin/api/test-send", {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });

describe("GET /admin/api/preview/:series/:part", () => {
  it("is the email the engine sends, byte for byte but the tokens, to the sample reader", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("preview-twin"), { name: "Sample Reader" });
    await adminSend({ subscriber: reader.email });
    const sent = (await outboxFor(reader.email))[1]!;

    const html = await adminFetch(`/admin/api/preview/${SERIES}/1`);
    expect(html.status).toBe(200);
    expect(html.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    const body = await html.text();
    expect(declaredSchema("get", "/preview/{series}/{part}", 200, "text/html").safeParse(body).success).toBe(true);
    expect(withoutTokens(body)).toBe(withoutTokens(sent.html));
    expect(body).toContain("Sample Reader");

    const text = await adminFetch(`/admin/api/preview/${SERIES}/1?format=text`);
    expect(text.headers.get("content-type")).toBe("text/plain; charset=UTF-8");
    expect(withoutTokens(await text.text())).toBe(withoutTokens(sent.text));
  });

  it("is served with a policy that runs no script, and never cached", async () => {
    const res = await adminFetch(`/admin/api/preview/fixture-four/2`);
    const csp = res.headers.get("content-security-policy")!;
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("sandbox");
    expect(csp).not.toMatch(/script-src|unsafe-eval/);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(await res.text()).toContain("Fixture part 2 body");
  });

  it("has real signed links that record nothing", async () => {
    const html = await (await adminFetch(`/admin/api/preview/${SERIES}/1`)).text();
    const links = extractLinks(html).filter((href) => /\/(a|u)\/t2\./.test(href));
    expect(links.length).toBeGreaterThanOrEqual(2);
    const before = { events: await countRows("events"), deliveries: await countRows("deliveries") };
    for (const link of links) {
      const res = await get(link);
      if (link.includes("/a/")) {
        // An action link leads where the reader's would (the writer can check it), and records no click.
        expect(res.status, link).toBe(302);
        continue;
      }
      expect(res.status, link).toBe(400);
      expect(await res.text()).toContain("This link does not work");
    }
    await settled();
    expect(await countRows("clicks")).toBe(0);
    expect({ events: await countRows("events"), deliveries: await countRows("deliveries") }).toEqual(before);
  });

  it("unknown series or part is a 404, a malformed one a 400", async () => {
    await expectApiError(await adminFetch("/admin/api/preview/no-such-series/1"), 404, "NOT_FOUND", /no-such-series/);
    await expectApiError(await adminFetch(`/admin/api/preview/${SERIES}/99`), 404, "NOT_FOUND", /^part: /);
    for (const path of [`${SERIES}/0`, `${SERIES}/abc`, `${SERIES}/1?format=pdf`, `Bad_Slug/1`]) {
      await expectApiError(await adminFetch(`/admin/api/preview/${path}`), 400, "BAD_REQUEST");
    }
  });
});

describe("parts written ahead in the admin API (tests/fixtures/series/fixture-scheduled)", () => {
  it("a part previews before its release; the stats and the series list say when each part is released", async () => {
    const preview = await adminFetch("/admin/api/preview/fixture-scheduled/2");
    expect(preview.status).toBe(200);
    expect(await preview.text()).toContain("Scheduled part 2 body.");

    const releases = [
      "2026-01-05T08:00:00.000Z",
      "2099-01-15T08:00:00.000Z",
      "2099-01-31T23:00:00.000Z",
      "2099-01-31T23:00:00.000Z",
    ];
    const stats = await expectDeclared<{ series: { parts: { publishAt: string | null }[] }[] }>(
      await adminFetch("/admin/api/stats?series=fixture-scheduled"),
      "get",
      "/stats",
    );
    expect(stats.series[0]!.parts.map((part) => part.publishAt)).toEqual(releases);
    const list = await expectDeclared<{ data: { slug: string; parts: { publishAt: string | null }[] }[] }>(
      await adminFetch("/admin/api/series"),
      "get",
      "/series",
    );
    expect(list.data.find((s) => s.slug === "fixture-scheduled")!.parts.map((part) => part.publishAt)).toEqual(
      releases,
    );
    expect(list.data.find((s) => s.slug === "fixture-four")!.parts.every((part) => part.publishAt === null)).toBe(true);
  });
});

describe("POST /admin/api/test-send", () => {
  it("sends one marked email through the mailer: no reader, no delivery, no position change", async () => {
    await env.DB.prepare("DELETE FROM rate_counters").run();
    const to = uniqueEmail("test-send");
    const before = { deliveries: await countRows("deliveries"), subscribers: await countRows("subscribers") };
    const sent = await expectDeclared<{ subject: string }>(
      await testSend({ to, series: "fixture-four", part: 3 }),
      "post",
      "/test-send",
    );
    expect(sent.subject).toBe("[Test] Fixture Four, part 3");
    const mails = await outboxFor(to);
    expect(mails).toHaveLength(1);
    expect(mails[0]).toMatchObject({ subject: "[Test] Fixture Four, part 3", to });
    expect(mails[0]!.headers["X-Nextpart-Test"]).toBe("1");
    expect(mails[0]!.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    expect(mails[0]!.html).toContain("Fixture part 3 body");
    expect({ deliveries: await countRows("deliveries"), subscribers: await countRows("subscribers") }).toEqual(before);
  });

  it(`allows ${TEST_SENDS_PER_MINUTE} a minute for the whole team (a D1 counter), then 429`, async () => {
    const to = uniqueEmail("test-send-limit");
    for (let run = 1; run <= 3; run++) {
      await env.DB.prepare("DELETE FROM rate_counters").run();
      const minute = Math.floor(Date.now() / 60_000);
      const statuses: number[] = [];
      for (let i = 0; i < TEST_SENDS_PER_MINUTE + 2; i++)
        statuses.push((await testSend({ to, series: SERIES, part: 1 })).status);
      if (Math.floor(Date.now() / 60_000) !== minute && run < 3) continue; // straddled a window: says nothing
      expect(statuses).toEqual([...Array<number>(TEST_SENDS_PER_MINUTE).fill(200), 429, 429]);
      break;
    }
    expect((await outboxFor(to)).length % TEST_SENDS_PER_MINUTE).toBe(0);
    await expectApiError(await testSend({ to, series: SERIES, part: 1 }), 429, "RATE_LIMITED", /test sends a minute/);
  });

  it("books a slot of the team's rate: when deliveries have booked it far ahead, a 429 with Retry-After and nothing sent", async () => {
    await env.DB.prepare("DELETE FROM rate_counters").run();
    const paced = { ...env, PROVIDER_RPS: "5" };
    const testSendPaced = async (to: string) => {
      const ctx = createExecutionContext();
      const request = new Request("https://news.example.com/admin/api/test-send", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${ADMIN_TOKEN}`,
          "cf-connecting-ip": uniqueIp(),
        },
        body: JSON.stringify({ to, series: SERIES, part: 1 }),
      });
      const res = await worker.fetch(request, paced, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    const booked = Date.now() + 60_000;
    await env.DB.prepare(
      "INSERT INTO provider_slots (provider, next_slot_at) VALUES ('outbox', ?1) ON CONFLICT (provider) DO UPDATE SET next_slot_at = ?1",
    )
      .bind(booked)
      .run();
    const to = uniqueEmail("test-send-busy");
    const res = await testSendPaced(to);
    await expectApiError(res, 429, "RATE_LIMITED", /provider rate is booked/);
    // A booking is taken again once the next free slot is within 5 s: about 55 s from now.
    const retryAfter = Number(res.headers.get("retry-after"));
    expect(retryAfter).toBeGreaterThanOrEqual(50);
    expect(retryAfter).toBeLessThanOrEqual(55);
    expect(await outboxFor(to)).toEqual([]);
    expect(
      (await env.DB.prepare("SELECT next_slot_at AS at FROM provider_slots WHERE provider = 'outbox'").first<{
        at: number;
      }>())!.at,
    ).toBe(booked);

    // With the slots free, the send books the next one.
    await env.DB.prepare("UPDATE provider_slots SET next_slot_at = 0 WHERE provider = 'outbox'").run();
    expect((await testSendPaced(to)).status).toBe(200);
    expect(await outboxFor(to)).toHaveLength(1);
    expect(
      (await env.DB.prepare("SELECT next_slot_at AS at FROM provider_slots WHERE provider = 'outbox'").first<{
        at: number;
      }>())!.at,
    ).toBeGreaterThan(0);
  });

  it("bad bodies are a 400 naming the field, an unknown series or part a 404; nothing is sent", async () => {
    await env.DB.prepare("DELETE FROM rate_counters").run();
    const to = uniqueEmail("test-send-bad");
    const cases: [unknown, RegExp][] = [
      [{ to: "not an address", series: SERIES, part: 1 }, /^to: /],
      [{ series: SERIES, part: 1 }, /^to: /],
      [{ to, series: SERIES, part: 0 }, /^part: /],
      [{ to, series: SERIES, part: "1" }, /^part: /],
      [{ to, series: "Bad Slug", part: 1 }, /^series: /],
      [{ to, series: SERIES, part: 1, dryRun: true }, /Unrecognized|dryRun/],
    ];
    for (const [body, reason] of cases) await expectApiError(await testSend(body), 400, "BAD_REQUEST", reason);
    await expectApiError(await testSend({ to, series: "no-such-series", part: 1 }), 404, "NOT_FOUND");
    await expectApiError(await testSend({ to, series: SERIES, part: 2 }), 404, "NOT_FOUND", /^part: /);
    const noType = await adminFetch("/admin/api/test-send", {
      method: "POST",
      body: JSON.stringify({ to, series: SERIES, part: 1 }),
    });
    await expectApiError(noType, 415, "UNSUPPORTED_MEDIA_TYPE");
    expect(await outboxFor(to)).toEqual([]);
  });
});

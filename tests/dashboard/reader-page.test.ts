import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { resetDatabase, seedReaders } from "../helpers/delivery-helpers";
import { deliveredReader } from "../helpers/reader-helpers";
import { decodeEntities } from "../helpers/route-helpers";
import { findSubscriber, subscriberStatus, subscriptionsOf } from "../helpers/rows";
import { dashboardGet, dashboardPost, signIn, type DashboardSession } from "./dashboard-helpers";

const SERIES = "fixture-four";

let session: DashboardSession;
beforeEach(async () => {
  await resetDatabase();
  session = await signIn();
});

/** A reader of fixture-four (active, part 2 next) and of fixture-windowed: two series to act on. */
async function twoSeriesReader(prefix: string) {
  await seedReaders({ series: SERIES, count: 1, prefix, nextPart: 2 });
  const reader = (await findSubscriber(`${prefix}1@example.com`))!;
  await env.DB.prepare(
    `INSERT INTO subscriptions (subscriber_id, series, status, next_part, due_at, created_at, updated_at) VALUES (?1, 'fixture-windowed', 'active', 1, 0, 0, 0)`,
  )
    .bind(reader.id)
    .run();
  return reader;
}

const statuses = async (id: number) =>
  Object.fromEntries((await subscriptionsOf(id)).map((s) => [s.series, `${s.status}:${s.nextPart}`]));
const readerStatus = subscriberStatus;

describe("the reader page", () => {
  it("shows status, name, time zone, positions, deliveries, clicks, responses and consents", async () => {
    const delivered = await deliveredReader({ series: "origins-of-lead-change" });
    await env.DB.batch([
      env.DB.prepare("UPDATE subscribers SET timezone = 'Europe/Paris', name = 'Ada' WHERE id = ?1").bind(
        delivered.subscriberId,
      ),
      env.DB.prepare(
        `INSERT INTO clicks (delivery_id, subscriber_id, series, part_number, part_id, link, created_at) VALUES (?1, ?2, ?3, 1, ?4, 'https://example.org/read', ?5)`,
      ).bind(delivered.deliveryId, delivered.subscriberId, delivered.series, delivered.partId, Date.now()),
      env.DB.prepare(
        `INSERT INTO responses (delivery_id, subscriber_id, series, part_number, part_id, body, created_at, updated_at) VALUES (?1, ?2, ?3, 1, ?4, 'Loved it', ?5, ?5)`,
      ).bind(delivered.deliveryId, delivered.subscriberId, delivered.series, delivered.partId, Date.now()),
      env.DB.prepare(
        `INSERT INTO consents (subscriber_id, series, form, consent_text_version, created_at) VALUES (?1, ?2, 'signup', 3, ?3)`,
      ).bind(delivered.subscriberId, delivered.series, Date.now()),
    ]);
    const res = await dashboardGet(`/admin/readers/${delivered.subscriberId}`, session);
    expect(res.status).toBe(200);
    const html = decodeEntities(await res.text());
    expect(html).toContain(`<h1 class="wrap">${delivered.email}</h1>`);
    expect(html).toContain('<dt>Name</dt><dd class="wrap">Ada</dd><dt>Time zone</dt><dd>Europe/Paris</dd>');
    expect(html).toContain("<h3>Origins of Lead Change</h3>");
    expect(html).toContain("active, caught up: all 1 part sent");
    expect(html).toContain('<h2 id="deliveries-h">Deliveries (1)</h2>');
    expect(html).toContain('<td class="wrap">origins-of-lead-change #1</td><td class="wrap">sent</td>');
    expect(html).toContain('<h2 id="clicks-h">Clicks (1)</h2>');
    expect(html).toContain('<td class="wrap">https://example.org/read</td><td class="wrap">the reader</td>');
    expect(html).toContain('<h2 id="responses-h">Responses (1)</h2>');
    expect(html).toContain("Loved it");
    expect(html).toContain('<h2 id="consents-h">Consent records (1)</h2>');
    expect(html).toContain("signup · consent text 3 · confirmation email —");
    expect(html).toContain(`href="/admin/readers/${delivered.subscriberId}/export.json"`);
    expect(html).toContain(`href="/admin/readers/${delivered.subscriberId}/erase"`);
  });

  it("an unknown reader, or an id that is not one, is the dashboard's 404 page", async () => {
    for (const path of [
      "/admin/readers/999999",
      "/admin/readers/0",
      "/admin/readers/abc",
      "/admin/readers/1e3",
      "/admin/readers/999999/erase",
      "/admin/readers/999999/export.json",
    ]) {
      const res = await dashboardGet(path, session);
      expect(res.status, path).toBe(404);
      expect(await res.text(), path).toContain("There is no reader with that id");
    }
    expect((await dashboardPost("/admin/readers/999999/pause", session)).status).toBe(404);
    expect((await dashboardPost("/admin/readers/999999/erase", session, { confirm: "x@example.com" })).status).toBe(
      404,
    );
  });

  it("links a response's author by address, or 404s", async () => {
    const reader = await twoSeriesReader("dash-by-");
    const found = await dashboardGet(
      `/admin/readers/by-address?email=${encodeURIComponent("DASH-BY-1@example.com")}`,
      session,
    );
    expect(found.status).toBe(303);
    expect(found.headers.get("location")).toBe(`/admin/readers/${reader.id}`);
    expect((await dashboardGet("/admin/readers/by-address?email=nobody@example.com", session)).status).toBe(404);
    expect((await dashboardGet("/admin/readers/by-address", session)).status).toBe(404);
  });
});

describe("pause, resume and move", () => {
  it("pauses and resumes one series, then the whole reader", async () => {
    const reader = await twoSeriesReader("dash-pause-");
    const one = await dashboardPost(`/admin/readers/${reader.id}/pause`, session, { series: "fixture-windowed" });
    expect(one.status).toBe(303);
    expect(one.headers.get("location")).toBe(`/admin/readers/${reader.id}?done=paused`);
    expect(await statuses(reader.id)).toEqual({ [SERIES]: "active:2", "fixture-windowed": "paused:1" });
    expect(await readerStatus(reader.id)).toBe("active");
    const page = await (await dashboardGet(`/admin/readers/${reader.id}?done=paused`, session)).text();
    expect(page).toContain(
      '<p class="ok" role="status">Paused. Nothing more goes to this reader until it is resumed.</p>',
    );

    expect((await dashboardPost(`/admin/readers/${reader.id}/pause`, session)).status).toBe(303);
    expect(await statuses(reader.id)).toEqual({ [SERIES]: "paused:2", "fixture-windowed": "paused:1" });
    expect(await readerStatus(reader.id)).toBe("paused");
    expect(await (await dashboardGet(`/admin/readers/${reader.id}`, session)).text()).toContain(
      "Resume every series</button>",
    );

    expect((await dashboardPost(`/admin/readers/${reader.id}/resume`, session, { series: SERIES })).status).toBe(303);
    expect(await statuses(reader.id)).toEqual({ [SERIES]: "active:2", "fixture-windowed": "paused:1" });
    expect(await readerStatus(reader.id)).toBe("active");
  });

  it("moves a subscription to a part, due now; refuses a part out of range or a series they lack", async () => {
    const reader = await twoSeriesReader("dash-move-");
    const moved = await dashboardPost(`/admin/readers/${reader.id}/move`, session, { series: SERIES, part: "4" });
    expect(moved.headers.get("location")).toBe(`/admin/readers/${reader.id}?done=moved`);
    expect(await statuses(reader.id)).toEqual({ [SERIES]: "active:4", "fixture-windowed": "active:1" });

    for (const part of ["5", "0", "x", ""]) {
      const res = await dashboardPost(`/admin/readers/${reader.id}/move`, session, { series: SERIES, part });
      expect(res.status, part).toBe(400);
      expect(await res.text()).toContain("part: choose a part from 1 to 4.");
    }
    expect(
      (await dashboardPost(`/admin/readers/${reader.id}/move`, session, { series: "no-such", part: "1" })).status,
    ).toBe(404);
    expect(
      (
        await dashboardPost(`/admin/readers/${reader.id}/move`, session, {
          series: "origins-of-lead-change",
          part: "1",
        })
      ).status,
    ).toBe(404);
    expect(await statuses(reader.id)).toEqual({ [SERIES]: "active:4", "fixture-windowed": "active:1" });
  });

  it("a part they already received is a 409 page that says why", async () => {
    const delivered = await deliveredReader({ series: "origins-of-lead-change" });
    const res = await dashboardPost(`/admin/readers/${delivered.subscriberId}/move`, session, {
      series: "origins-of-lead-change",
      part: "1",
    });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain("this reader already received part 1; each part is sent once.");
  });
});

describe("their data, then erasure", () => {
  it("downloads the GDPR export as a JSON attachment", async () => {
    const delivered = await deliveredReader({ series: "origins-of-lead-change" });
    const res = await dashboardGet(`/admin/readers/${delivered.subscriberId}/export.json`, session);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-disposition")).toBe(
      `attachment; filename="subscriber-${delivered.subscriberId}.json"`,
    );
    const body = (await res.json()) as {
      subscriber: { email: string };
      deliveries: unknown[];
      outbox: unknown[];
      exportedAt: string;
    };
    expect(body.subscriber.email).toBe(delivered.email);
    expect(body.deliveries).toHaveLength(1);
    expect(Date.parse(body.exportedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it("erases only after the address is typed back, then says what went; the reader is gone from the list", async () => {
    const delivered = await deliveredReader({ series: "origins-of-lead-change" });
    const confirm = await dashboardGet(`/admin/readers/${delivered.subscriberId}/erase`, session);
    expect(confirm.status).toBe(200);
    expect(await confirm.text()).toContain("Type their address to confirm");

    const wrong = await dashboardPost(`/admin/readers/${delivered.subscriberId}/erase`, session, {
      confirm: "someone@example.com",
    });
    expect(wrong.status).toBe(400);
    expect(await wrong.text()).toContain("That is not this reader&#39;s address: nothing was erased.");
    expect(await findSubscriber(delivered.email)).not.toBeNull();

    const erased = await dashboardPost(`/admin/readers/${delivered.subscriberId}/erase`, session, {
      confirm: ` ${delivered.email.toUpperCase()} `,
    });
    expect(erased.status).toBe(200);
    const html = decodeEntities(await erased.text());
    expect(html).toContain(`Reader ${delivered.subscriberId} was erased: 3 rows deleted or unlinked.`);
    expect(html).toContain('<td>Reader</td><td class="num">1</td>');
    expect(html).toContain('<td>Subscriptions</td><td class="num">1</td>');
    expect(html).toContain('<td>Deliveries</td><td class="num">1</td>');
    expect(html).not.toContain(delivered.email);
    expect(await findSubscriber(delivered.email)).toBeNull();
    const list = await (await dashboardGet("/admin/readers", session)).text();
    expect(list).not.toContain(delivered.email);
    expect((await dashboardGet(`/admin/readers/${delivered.subscriberId}`, session)).status).toBe(404);
  });

  it("a reader whose part is being sent is not erased (409)", async () => {
    await seedReaders({ series: SERIES, count: 1, prefix: "dash-flight-" });
    const reader = (await findSubscriber("dash-flight-1@example.com"))!;
    await env.DB.prepare("UPDATE subscriptions SET batch_id = 'b-in-flight' WHERE subscriber_id = ?1")
      .bind(reader.id)
      .run();
    const res = await dashboardPost(`/admin/readers/${reader.id}/erase`, session, { confirm: reader.email });
    expect(res.status).toBe(409);
    expect(await findSubscriber(reader.email)).not.toBeNull();
  });
});

import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { findDelivery } from "../../worker/delivery/find-delivery";
import { readConfig } from "../../worker/config";
import { runRetention } from "../../worker/retention/run-retention";
import { signDeliveryTokens } from "../../worker/tokens";
import { expectApiError, expectDeclared, type Page } from "../helpers/admin-api-helpers";
import { dashboardGet, signIn } from "../dashboard/dashboard-helpers";
import { DAY, resetDatabase, runCycleAt, seedReaders } from "../helpers/delivery-helpers";
import {
  adminFetch,
  DEFAULT_SERIES,
  get,
  ONE_CLICK,
  postForm,
  settled,
  subscribeForm,
  testKeyring,
  uniqueEmail,
} from "../helpers/route-helpers";
import { click } from "../helpers/reader-helpers";
import { deliveriesOf, findSubscriber, partIdOf } from "../helpers/rows";
import { testDeps } from "../helpers/test-deps";

/**
 * Emails sent long ago: their delivery was slimmed, yet every link they carry works for years (unsubscribe
 * above all), and the admin's views still show what was sent, at the granularity kept.
 */
beforeEach(resetDatabase);

const T0 = Date.UTC(2026, 0, 5, 12, 0);
const SLIMMED_AT = T0 + readConfig(env).retainDeliveriesDays * DAY;
const FOUR = "fixture-four";

/** Readers of `series` sent its part 1 at T0, their deliveries slimmed since: each with the tokens its email carried. */
async function slimmedReaders(series: string, prefix: string, count = 2) {
  await seedReaders({ series, count, prefix, dueAt: T0 });
  await runCycleAt(T0);
  const sent = await deliveriesOf(prefix);
  expect(sent).toHaveLength(count);
  expect((await runRetention(testDeps(), { now: SLIMMED_AT })).rows.deliveries).toBeGreaterThanOrEqual(count);
  expect(await deliveriesOf(prefix)).toEqual([]);
  return Promise.all(sent.map(async (d) => ({ ...d, tokens: await signDeliveryTokens(testKeyring(), d.id) })));
}

describe("links in emails whose delivery was slimmed", () => {
  it("action links redirect to the part's target", async () => {
    const [reader] = await slimmedReaders(FOUR, "act");
    const res = await click(`/a/${reader!.tokens.reader}/${FOUR}/fixture-part-1/0`);
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://example.com/fixture-four/cta-1");
    await settled();
  });

  it("unsubscribe: the page names the reader, one-click and the form both unsubscribe", async () => {
    const [first, second] = await slimmedReaders(FOUR, "unsub");
    const page = await get(`/u/${first!.tokens.reader}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain(first!.toEmail);
    const oneClick = await postForm(`/u/${first!.tokens.reader}`, ONE_CLICK, { origin: null });
    expect([oneClick.status, await oneClick.text()]).toEqual([200, "Unsubscribed"]);
    expect((await findSubscriber(first!.toEmail))!.status).toBe("unsubscribed");
    expect((await postForm(`/u/${second!.tokens.reader}`, {}, { origin: null })).status).toBe(303);
    expect((await findSubscriber(second!.toEmail))!.status).toBe("unsubscribed");
  });

  it("the response page opens and saves the reader's answer, which their detail lists", async () => {
    const [reader] = await slimmedReaders(DEFAULT_SERIES, "respond");
    expect((await get(`/respond/${reader!.tokens.reader}`)).status).toBe(200);
    const saved = await postForm(`/respond/${reader!.tokens.reader}`, { response: "I tried it." });
    expect(saved.status).toBe(200);
    const detail = await expectDeclared<{ responses: { deliveryId: number; body: string }[] }>(
      await adminFetch(`/admin/api/subscribers/${reader!.subscriberId}`),
      "get",
      "/subscribers/{id}",
    );
    expect(detail.responses).toMatchObject([{ deliveryId: reader!.id, body: "I tried it." }]);
  });

  it("a referral link still credits its reader and part", async () => {
    const [referrer] = await slimmedReaders(DEFAULT_SERIES, "referrer");
    const email = uniqueEmail("referred");
    expect((await subscribeForm({ email, series: DEFAULT_SERIES, ref: referrer!.tokens.referral })).status).toBe(200);
    await settled();
    expect(
      await env.DB.prepare(
        "SELECT referrer_id AS referrerId, referral_part_id AS part FROM subscribers WHERE email_key = lower(?1)",
      )
        .bind(email)
        .first(),
    ).toEqual({ referrerId: referrer!.subscriberId, part: partIdOf(DEFAULT_SERIES, 1) });
  });

  it("a token for an id no email had, or a forged one, is still refused", async () => {
    const readers = await slimmedReaders(FOUR, "forged");
    const gap = await signDeliveryTokens(testKeyring(), readers[readers.length - 1]!.id + 1);
    // Pages that act as the reader look the delivery up: a well-signed id no email had is refused there.
    expect((await get(`/u/${gap.reader}`)).status).toBe(400);
    expect((await get(`/respond/${gap.reader}`)).status).toBe(400);
    const [kid, hidden] = readers[0]!.tokens.reader.split(".");
    expect((await click(`/a/${kid}.${hidden}.AAAAAAAAAAAAAAAAAAAAAA/${FOUR}/fixture-part-1/0`)).status).toBe(400);
  });
});

describe("the admin's views of slimmed deliveries", () => {
  interface Delivery {
    id: number;
    subscriberId: number;
    partNumber: number | null;
    status: string;
    toEmail: string | null;
    slimmed: boolean;
    sentAt: string | null;
  }

  it("the deliveries list merges live and slimmed ones in one id order, page by page, and says which is which", async () => {
    const slimmed = await slimmedReaders(FOUR, "listed", 3);
    await seedReaders({ series: FOUR, count: 2, prefix: "live", dueAt: SLIMMED_AT });
    await runCycleAt(SLIMMED_AT);
    const live = await deliveriesOf("live");
    const pages: Delivery[][] = [];
    let cursor = "";
    do {
      const page = await expectDeclared<Page<Delivery>>(
        await adminFetch(`/admin/api/deliveries?series=${FOUR}&part=1&limit=2${cursor}`),
        "get",
        "/deliveries",
      );
      pages.push(page.data);
      cursor = page.next_cursor ? `&cursor=${page.next_cursor}` : "";
    } while (cursor);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat().map((d) => [d.id, d.slimmed])).toEqual([
      ...live.map((d) => [d.id, false]).reverse(),
      ...slimmed.map((d) => [d.id, true]).reverse(),
    ]);
    expect(pages.flat().find((d) => d.slimmed)).toMatchObject({
      status: "sent",
      toEmail: null,
      partNumber: 1,
      sentAt: new Date(T0).toISOString(),
    });
    // Unfiltered: the slimmed readers' part 2 (due a day after part 1) went in the same cycle.
    const all = await expectDeclared<Page<Delivery>>(
      await adminFetch(`/admin/api/deliveries?limit=100`),
      "get",
      "/deliveries",
    );
    expect(all.data.map((d) => d.slimmed)).toEqual([false, false, false, false, false, true, true, true]);
    const claimed = await expectDeclared<Page<Delivery>>(
      await adminFetch(`/admin/api/deliveries?status=claimed`),
      "get",
      "/deliveries",
    );
    expect(claimed.data).toEqual([]);
  });

  it("the reader's detail, export and page show which part went when, with its outcome; erasure removes it", async () => {
    const [reader] = await slimmedReaders(FOUR, "history");
    const detail = await expectDeclared<{ deliveries: Record<string, unknown>[] }>(
      await adminFetch(`/admin/api/subscribers/${reader!.subscriberId}`),
      "get",
      "/subscribers/{id}",
    );
    const kept = {
      slimmed: true,
      series: FOUR,
      partId: "fixture-part-1",
      partNumber: 1,
      status: "sent",
      outcome: "sent",
      sentOn: "2026-01-05",
    };
    expect(detail.deliveries).toEqual([kept]);
    const exported = await expectDeclared<{ deliveries: unknown[] }>(
      await adminFetch(`/admin/api/subscribers/${reader!.subscriberId}/export`),
      "get",
      "/subscribers/{id}/export",
    );
    expect(exported.deliveries).toEqual([kept]);
    const html = await (await dashboardGet(`/admin/readers/${reader!.subscriberId}`, await signIn())).text();
    expect(html).toMatch(/fixture-four #1<\/td><td class="wrap">sent<\/td><td class="wrap">2026-01-05</);

    // A slimmed part cannot be sent again by moving the reader back to it.
    const move = await adminFetch(`/admin/api/subscribers/${reader!.subscriberId}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ series: FOUR, part: 1 }),
    });
    await expectApiError(move, 409, "CONFLICT", /already received part 1/);

    const erased = await expectDeclared<{ deleted: Record<string, number> }>(
      await adminFetch(`/admin/api/subscribers/${reader!.subscriberId}`, { method: "DELETE" }),
      "delete",
      "/subscribers/{id}",
    );
    expect(erased.deleted).toMatchObject({ receivedParts: 1, deliveries: 0, subscriptions: 1, subscriber: 1 });
    expect(
      await env.DB.prepare("SELECT count(*) AS n FROM received_parts WHERE subscription_id = ?1")
        .bind(reader!.subscriptionId)
        .first(),
    ).toEqual({ n: 0 });
    // Their old links name no one now: the archive keeps only an id of a subscription that is gone.
    expect(await findDelivery({ db: env.DB }, reader!.id)).toBeNull();
    expect((await get(`/u/${reader!.tokens.reader}`)).status).toBe(400);
  });
});

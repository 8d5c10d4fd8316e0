import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { CycleSummary } from "../../worker/delivery/cycle";
import { readerTokenOf } from "../helpers/reader-helpers";
import {
  adminFetch,
  adminSend,
  BASE,
  DEFAULT_SERIES,
  postForm,
  signUp,
  signUpAndConfirm,
  tokenOf,
  uniqueEmail,
  unsubscribeLinkOf,
} from "../helpers/route-helpers";
import { findSubscriber, outboxCount, outboxFor, subscriptionsOf } from "../helpers/rows";
import { expectApiError, expectDeclared, json, type Page } from "../helpers/admin-api-helpers";
import type { SubscriberItem } from "../../worker/routes/admin-api/subscribers-schema";

/** The JSON the endpoint answers is the cycle's own summary type. */
type Summary = CycleSummary;

describe("POST /admin/api/send", () => {
  it("{} runs a delivery cycle and answers a JSON summary", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("send-summary"));
    const summary = await expectDeclared<Summary>(await adminSend({}), "post", "/send");
    expect(summary).toMatchObject({ dryRun: false, mailer: "outbox", failed: 0, retrying: 0, rateLimited: false });
    // The only reader due: one email, in one provider request, nothing deferred, queued or recovered.
    expect(summary).toMatchObject({
      due: 1,
      sent: 1,
      deferred: 0,
      refused: 0,
      setAside: 0,
      errors: [],
      queued: 0,
      recovered: 0,
      providerRequests: 1,
    });
    expect(summary.perPart).toEqual({ [`${DEFAULT_SERIES}/1`]: 1 });
    expect(summary.d1.statements).toBeGreaterThan(0);
    expect((await outboxFor(reader.email)).map((m) => m.subject)).toContain(
      "Origins of Lead Change, Part 1: The Opportunity",
    );

    // Exactly once: another cycle sends this reader nothing more.
    const again = await json<Summary>(await adminSend({}));
    expect(again.sent).toBe(0);
    expect(await outboxFor(reader.email)).toHaveLength(2);
  });

  it("an empty body, or no content type, is the same as {}", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("send-empty"));
    const res = await adminFetch("/admin/api/send", { method: "POST" });
    expect(res.status).toBe(200);
    expect((await json<Summary>(res)).dryRun).toBe(false);
    expect(await outboxFor(reader.email)).toHaveLength(2);
  });

  it("{dryRun: true} reports who is due and sends nothing", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("send-dry"));
    const before = await outboxCount();
    const [subscriptionBefore] = await subscriptionsOf(reader.subscriber.id);

    const res = await adminSend({ dryRun: true });
    expect(res.status).toBe(200);
    const summary = await json<Summary>(res);
    expect(summary).toMatchObject({ dryRun: true, sent: 0, providerRequests: 0 });
    expect(summary.due).toBeGreaterThanOrEqual(1);
    expect(summary.perPart[`${DEFAULT_SERIES}/1`]).toBeGreaterThanOrEqual(1);
    // A series the catalog does not have is a 404, as on every admin route that names one.
    await expectApiError(await adminSend({ series: "nope" }), 404, "NOT_FOUND", /^series: no series "nope"/);
    expect(await outboxCount()).toBe(before);
    expect((await subscriptionsOf(reader.subscriber.id))[0]).toEqual(subscriptionBefore);

    const only = await json<Summary>(await adminSend({ dryRun: true, subscriber: reader.email }));
    expect(only).toMatchObject({ dryRun: true, due: 1, perPart: { [`${DEFAULT_SERIES}/1`]: 1 } });
    expect(await outboxCount()).toBe(before);
  });

  it("{subscriber} sends to that reader only, by address (any case) or by id", async () => {
    const a = await signUpAndConfirm(uniqueEmail("send-one-a"));
    const b = await signUpAndConfirm(uniqueEmail("send-one-b"));
    const res = await adminSend({ subscriber: a.email.toUpperCase() });
    expect(res.status).toBe(200);
    expect(await json<Summary>(res)).toMatchObject({ sent: 1, perPart: { [`${DEFAULT_SERIES}/1`]: 1 } });
    expect(await outboxFor(a.email)).toHaveLength(2);
    expect(await outboxFor(b.email)).toHaveLength(1);

    expect(await json<Summary>(await adminSend({ subscriber: b.subscriber.id }))).toMatchObject({ sent: 1 });
    expect(await outboxFor(b.email)).toHaveLength(2);
    expect(await json<Summary>(await adminSend({ subscriber: String(b.subscriber.id) }))).toMatchObject({ sent: 0 });
  });

  it("{series} sends only that series", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("send-series"), { series: "fixture-four" });
    const other = await signUpAndConfirm(uniqueEmail("send-series-other"));
    const summary = await json<Summary>(await adminSend({ series: "fixture-four" }));
    expect(Object.keys(summary.perPart).every((key) => key.startsWith("fixture-four/"))).toBe(true);
    expect((await outboxFor(reader.email)).map((m) => m.subject)).toContain("Fixture Four, part 1");
    expect(await outboxFor(other.email)).toHaveLength(1);
  });

  it("does not send to pending or unsubscribed readers", async () => {
    const pending = await signUp(uniqueEmail("send-pending"));
    const gone = await signUpAndConfirm(uniqueEmail("send-gone"));
    expect(
      (
        await postForm(
          `/u/${await readerTokenOf(gone.subscriber.id)}`,
          { "List-Unsubscribe": "One-Click" },
          { origin: null },
        )
      ).status,
    ).toBe(200);
    await adminSend({});
    expect(await outboxFor(pending.email)).toHaveLength(1);
    expect(await outboxFor(gone.email)).toHaveLength(1);
    // Named explicitly, an unsubscribed reader is found but still gets nothing.
    expect(await json<Summary>(await adminSend({ subscriber: gone.email }))).toMatchObject({ due: 0, sent: 0 });
    expect(await outboxFor(gone.email)).toHaveLength(1);
  });

  it("bad values are a 400 with a reason", async () => {
    const before = await outboxCount();
    const cases: [unknown, RegExp][] = [
      [{ dryRun: "yes" }, /^dryRun: /],
      [{ dryRun: 1 }, /^dryRun: /],
      [{ subscriber: "" }, /^subscriber: /],
      [{ subscriber: 0 }, /^subscriber: /],
      [{ subscriber: -3 }, /^subscriber: /],
      [{ subscriber: 1.5 }, /^subscriber: /],
      [{ subscriber: "not an address" }, /^subscriber: must be an email address or a subscriber id\.$/],
      [{ subscriber: "x".repeat(321) }, /^subscriber: /],
      [{ series: "" }, /^series: /],
      [{ dryRun: true, unknown: 1 }, /unknown|Unrecognized/i],
      [[], /^body: /],
      [null, /^body: /],
      ["not json", /Malformed JSON/],
      ['{"dryRun": true', /Malformed JSON/],
    ];
    for (const [body, reason] of cases) {
      const res = await adminSend(body);
      const error = await expectApiError(res, 400, "BAD_REQUEST", reason);
      expect(error.error.requestId).toBe(res.headers.get("x-request-id"));
    }
    expect(await outboxCount()).toBe(before);
  });

  it("an unknown subscriber is a 404", async () => {
    await expectApiError(
      await adminSend({ subscriber: uniqueEmail("nobody") }),
      404,
      "NOT_FOUND",
      /^subscriber: no subscriber with that email address\.$/,
    );
    await expectApiError(
      await adminSend({ subscriber: 987_654_321 }),
      404,
      "NOT_FOUND",
      /no subscriber with id 987654321/,
    );
    await expectApiError(
      await adminSend({ subscriber: "987654321" }),
      404,
      "NOT_FOUND",
      /^subscriber: no subscriber with id 987654321\.$/,
    );
  });

  it("a body over 4 KB is a 413", async () => {
    await expectApiError(await adminSend({ series: "x".repeat(5000) }), 413, "PAYLOAD_TOO_LARGE");
  });

  it("the part email: subject, List-Unsubscribe headers, a visible unsubscribe link and the postal address", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("part-email"), { name: "Paula" });
    const res = await adminSend({ subscriber: reader.email });
    expect(res.status).toBe(200);
    expect(await json<Summary>(res)).toMatchObject({ sent: 1 });

    const mails = await outboxFor(reader.email);
    expect(mails).toHaveLength(2);
    const part = mails[1]!;
    expect(part.subject).toContain("Part 1: The Opportunity");
    expect(part.subject).toBe("Origins of Lead Change, Part 1: The Opportunity");
    expect(part.to).toBe(reader.email);
    expect(part.from).toBe("Origins of Lead Change <series@nextpart.local>");

    const listUnsubscribe = part.headers["List-Unsubscribe"]!;
    const targets = listUnsubscribe.split(",").map((t) => t.trim());
    expect(targets).toHaveLength(2);
    // The delivery's reader token, under the newest key ("t2"), its id hidden: `<kid>.<hidden id>.<tag>`.
    expect(targets[0]).toMatch(new RegExp(`^<${BASE}/u/t2\\.[A-Za-z0-9_-]{8}\\.[A-Za-z0-9_-]{22}>$`));
    expect(targets[1]).toBe("<mailto:unsubscribe@example.com?subject=unsubscribe>");
    expect(part.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");

    const visible = unsubscribeLinkOf(part);
    expect(`<${visible}>`).toBe(targets[0]);
    expect(part.html).toMatch(/<a[^>]*href="https:\/\/news\.example\.com\/u\/[^"]+"[^>]*>Unsubscribe<\/a>/);
    expect(part.text).toContain(`Unsubscribe: ${visible}`);
    expect(part.html).toContain("nextpart, 1 Example Street, Springfield, USA");
    expect(part.text).toContain("nextpart, 1 Example Street, Springfield, USA");
    expect(part.html).toContain("Paula");
    expect(part.html).toContain(`${BASE}/p/${DEFAULT_SERIES}/the-opportunity`); // the web view by the part's id
    expect(part.html).toContain("Take some action and share it with us");

    // The position moved on: part 1 is read, and the one-part series has nothing more due.
    const [subscription] = await subscriptionsOf(reader.subscriber.id);
    expect(subscription).toMatchObject({ status: "active", nextPart: 2, dueAt: null, batchId: null });
    const listed = await json<Page<SubscriberItem>>(
      await adminFetch(`/admin/api/subscribers?q=${encodeURIComponent(reader.email)}`),
    );
    expect(listed.data[0]!.series[0]).toMatchObject({ series: DEFAULT_SERIES, nextPart: 2, dueAt: null });

    // The header's link is the one a mailbox provider POSTs to, in one click.
    const oneClick = await SELF.fetch(visible, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "List-Unsubscribe=One-Click",
    });
    expect(oneClick.status).toBe(200);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    expect(tokenOf(visible)).not.toBe(tokenOf(reader.confirmLink));
  });
});

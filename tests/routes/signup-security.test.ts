import { describe, expect, it } from "vitest";
import {
  type ApiError,
  confirmLinkOf,
  confirmVia,
  DEFAULT_SERIES,
  escapeHtml,
  inOneRateWindow,
  postForm,
  sentLinkTo,
  signUpAndConfirm,
  subscribeForm,
  subscribeJson,
  uniqueEmail,
  uniqueIp,
  CHECK_INBOX,
} from "../helpers/route-helpers";
import { findSubscriber, outboxFor } from "../helpers/rows";

/** POST /subscribe against abuse: no enumeration, escaping, CSRF, the honeypot, the rate limit. */

describe("POST /subscribe: security", () => {
  it("answers byte-for-byte the same for a new, a pending and an active address (no enumeration)", async () => {
    // One address at three stages of its life: the form's answer names the address, so the same address
    // must get exactly the same bytes whether it is new, pending or already active.
    const email = uniqueEmail("enum-life");
    const answer = async () => {
      const res = await subscribeForm({ email, series: DEFAULT_SERIES });
      return { status: res.status, type: res.headers.get("content-type"), body: await res.text() };
    };
    const asNew = await answer();
    expect((await findSubscriber(email))!.status).toBe("pending");
    const asPending = await answer();
    const links = await outboxFor(email);
    expect(links).toHaveLength(2);
    expect((await confirmVia(confirmLinkOf(links[1]!))).status).toBe(200);
    expect((await findSubscriber(email))!.status).toBe("active");
    const asActive = await answer();
    expect(asNew.status).toBe(200);
    expect(asNew.body).toContain(sentLinkTo(email));
    expect(asPending).toEqual(asNew);
    expect(asActive).toEqual(asNew);
    // The active reader got no new confirmation email.
    expect(await outboxFor(email)).toHaveLength(2);

    // Different addresses in different states: once the typed address is taken out, nothing else differs.
    const fresh = uniqueEmail("enum-new");
    const pending = uniqueEmail("enum-pending");
    expect((await subscribeForm({ email: pending })).status).toBe(200);
    const active = (await signUpAndConfirm(uniqueEmail("enum-active"))).email;
    expect((await findSubscriber(active))!.status).toBe("active");

    const answers = [];
    for (const address of [fresh, pending, active]) {
      const res = await subscribeForm({ email: address, series: DEFAULT_SERIES });
      const body = await res.text();
      expect(body, address).toContain(sentLinkTo(address));
      answers.push({
        status: res.status,
        type: res.headers.get("content-type"),
        body: body.replaceAll(escapeHtml(address), "{address}"),
      });
    }
    expect(answers[0]!.status).toBe(200);
    expect(answers[0]!.body).toContain("<strong>{address}</strong>");
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);

    // The page echoes what was typed (normalized), never the stored spelling of a known address.
    const [local, domain] = active.split("@") as [string, string];
    const retyped = `${local.toUpperCase()}@${domain.toUpperCase()}`;
    const echo = await (await subscribeForm({ email: retyped })).text();
    expect(echo).toContain(sentLinkTo(`${local.toUpperCase()}@${domain}`));
    expect(echo).not.toContain(active);

    const json = [];
    for (const address of [uniqueEmail("enum-new-json"), pending, active]) {
      const res = await subscribeJson({ email: address });
      json.push({ status: res.status, body: await res.text() });
    }
    expect(json[0]).toEqual({ status: 200, body: JSON.stringify({ ok: true, message: CHECK_INBOX }) });
    expect(json[1]).toEqual(json[0]);
    expect(json[2]).toEqual(json[0]);
    // The active reader got no new confirmation email; the pending one got another link.
    expect(await outboxFor(active)).toHaveLength(1);
    expect(await outboxFor(pending)).toHaveLength(3);
  });

  it("the check-your-inbox page shows exactly the normalized address, escaped", async () => {
    const id = crypto.randomUUID().slice(0, 8);
    // Allowed in a local part, but markup-significant: ' and &. The domain is lower-cased and made punycode.
    const typed = `  O'Brien&Co+${id}@Bücher.DE  `;
    const normalized = `O'Brien&Co+${id}@xn--bcher-kva.de`;
    const res = await subscribeForm({ email: typed });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain(`<strong>O&#39;Brien&amp;Co+${id}@xn--bcher-kva.de</strong>`);
    expect(html).toContain(sentLinkTo(normalized));
    expect(html).not.toContain("O'Brien");
    expect(html).not.toContain("&Co+");
    expect(html).not.toContain("Bücher");
    expect((await findSubscriber(normalized))!.email).toBe(normalized);

    // Another series: "sign up again" goes back to that series' own form.
    const other = await subscribeForm({ email: uniqueEmail("again"), series: "fixture-four" });
    expect(await other.text()).toContain('<a href="/s/fixture-four">sign up again</a>');
  });

  it("a cross-origin form post is a 403 and stores nothing", async () => {
    const email = uniqueEmail("csrf");
    const evil = await subscribeForm({ email }, { origin: "https://evil.example" });
    expect(evil.status).toBe(403);
    expect(await evil.text()).toContain("This form was sent from another site.");
    const noOrigin = await subscribeForm({ email }, { origin: null });
    expect(noOrigin.status).toBe(403);
    const crossSite = await subscribeForm(
      { email },
      { origin: "https://evil.example", headers: { "sec-fetch-site": "cross-site" } },
    );
    expect(crossSite.status).toBe(403);
    // A text/plain "form" (the other content type a cross-site form can send) is checked as well.
    const plain = await postForm("/subscribe", `email=${email}`, {
      origin: "https://evil.example",
      headers: { "content-type": "text/plain" },
    });
    expect(plain.status).toBe(403);
    expect(await findSubscriber(email)).toBeNull();
    expect(await outboxFor(email)).toHaveLength(0);
  });

  it("a same-origin form post is accepted on Sec-Fetch-Site alone", async () => {
    const email = uniqueEmail("secfetch");
    const res = await subscribeForm({ email }, { origin: null, headers: { "sec-fetch-site": "same-origin" } });
    expect(res.status).toBe(200);
    expect(await findSubscriber(email)).not.toBeNull();
  });

  it("the honeypot: a filled-in website gets the same answer, but no email and no subscriber", async () => {
    // The page names the address, so the bot and the human use the same one: the bot first (it stores nothing).
    const email = uniqueEmail("bot");
    const bot = await subscribeForm({ email, name: "Bot", website: "https://spam.example" });
    const botBody = await bot.text();
    const botJson = await subscribeJson({ email, website: "x" });
    expect(await botJson.json()).toEqual({ ok: true, message: CHECK_INBOX });
    expect(await findSubscriber(email)).toBeNull();
    expect(await outboxFor(email)).toHaveLength(0);

    const human = await subscribeForm({ email, name: "Bot" });
    expect(human.status).toBe(200);
    expect(bot.status).toBe(human.status);
    expect(botBody).toBe(await human.text());
    expect(botBody).toContain(sentLinkTo(email));
    expect(await findSubscriber(email)).not.toBeNull();
    expect(await outboxFor(email)).toHaveLength(1);
  });

  it("rate limit: the 6th signup from one CF-Connecting-IP within a minute is a 429", async () => {
    const email = uniqueEmail("rl-sixth");
    const run = await inOneRateWindow(60, async (ip) => {
      const statuses: number[] = [];
      for (let i = 0; i < 5; i++) statuses.push((await subscribeForm({ email: uniqueEmail("rl") }, { ip })).status);
      const sixth = await subscribeForm({ email }, { ip });
      const json = await subscribeJson({ email }, { ip });
      return {
        statuses,
        sixth: { status: sixth.status, retryAfter: sixth.headers.get("retry-after"), html: await sixth.text() },
        json: { status: json.status, retryAfter: json.headers.get("retry-after"), body: await json.text() },
      };
    });
    expect(run.statuses).toEqual([200, 200, 200, 200, 200]);
    expect(run.sixth.status).toBe(429);
    expect(run.sixth.retryAfter).toBe("60");
    expect(run.json.retryAfter).toBe("60");
    expect(run.sixth.html).toContain("<h1>Too many requests</h1>");
    expect(run.sixth.html).toContain("Too many signups from your network.");
    expect(run.json.status).toBe(429);
    expect((JSON.parse(run.json.body) as ApiError).error.code).toBe("RATE_LIMITED");
    expect(await findSubscriber(email)).toBeNull();

    // Another IP is not limited.
    expect((await subscribeForm({ email }, { ip: uniqueIp() })).status).toBe(200);
    expect(await findSubscriber(email)).not.toBeNull();
  });

  it("rate limit counts invalid attempts too (no free probing)", async () => {
    const statuses = await inOneRateWindow(60, async (ip) => {
      const seen: number[] = [];
      for (let i = 0; i < 5; i++) seen.push((await subscribeJson({ email: "not-an-address" }, { ip })).status);
      seen.push((await subscribeJson({ email: uniqueEmail() }, { ip })).status);
      return seen;
    });
    expect(statuses).toEqual([400, 400, 400, 400, 400, 429]);
  });
});

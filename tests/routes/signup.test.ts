import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { keyedHash } from "../../worker/lib/crypto";
import { type ApiError, BASE, confirmLinkOf, confirmVia, DEFAULT_SERIES, escapeHtml, get, inOneRateWindow, postForm, sentLinkTo, settled, signUpAndConfirm, signTestToken, subscribeForm, subscribeJson, testKeyring, uniqueEmail, uniqueIp } from "../helpers/route-helpers";
import { consentsOf, countRows, findSubscriber, outboxFor, subscribersMatching, subscriptionsOf } from "../helpers/rows";

/** The JSON answer to every accepted signup (the html page names the typed address instead). */
const CHECK_INBOX = "Almost there: check your inbox for a link to confirm your subscription.";
const INVALID_EMAIL = "Please enter a valid email address, like name@example.com.";
const MISSING_EMAIL = "Please enter your email address.";

describe("signup pages", () => {
  it("GET / shows the default series and a form that posts to /subscribe", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("<h1>Origins of Lead Change</h1>");
    expect(html).toContain("<title>Origins of Lead Change — subscribe</title>");
    // No error yet: the field is not marked invalid and does not grab the focus.
    expect(html).not.toContain("aria-invalid");
    expect(html).not.toContain("autofocus");
    expect(html).toMatch(/<form[^>]*method="post"[^>]*action="\/subscribe"/);
    expect(html).toContain(`<input type="hidden" name="series" value="${DEFAULT_SERIES}"/>`);
    // Every visible field has a label bound to it.
    expect(html).toMatch(/<label for="email">Email address<\/label>/);
    expect(html).toMatch(/<input id="email" name="email" type="email"[^>]*required/);
    expect(html).toMatch(/<label for="name">First name/);
    expect(html).toMatch(/<input id="name" name="name" type="text"/);
    expect(html).toMatch(/<button type="submit">Subscribe<\/button>/);
    expect(html).toContain(`href="/p/${DEFAULT_SERIES}"`);
  });

  it("hides the honeypot from people: off screen, aria-hidden, out of the tab order", async () => {
    const html = await (await get("/")).text();
    const honeypot = html.match(/<div class="honeypot" aria-hidden="true">([\s\S]*?)<\/div>/);
    expect(honeypot, "honeypot wrapper").not.toBeNull();
    expect(honeypot![1]).toMatch(/<input id="website" name="website" type="text" tabindex="-1" autocomplete="off"\/>/);
    expect(html).toMatch(/\.honeypot \{ position: absolute; left: -10000px;/);
  });

  it("GET /s/origins-of-lead-change shows that series", async () => {
    const res = await get(`/s/${DEFAULT_SERIES}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1>Origins of Lead Change</h1>");
    expect(html).toContain("1 part so far");
    expect(html).toContain("“The Opportunity”");
  });

  it("GET /s/fixture-four shows the fixture series with its own slug in the form", async () => {
    const res = await get("/s/fixture-four");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1>Fixture Four</h1>");
    expect(html).toContain("4 parts so far");
    expect(html).toContain('<input type="hidden" name="series" value="fixture-four"/>');
  });

  it("GET /s/nope is a 404 page", async () => {
    const res = await get("/s/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("<h1>Page not found</h1>");
    expect(html).toContain("There is no series at this address.");
    expect(html).toContain('<a href="/">Go to the signup page</a>');
  });

  it("an unknown path is a 404 page, and JSON for a client that asks for JSON", async () => {
    const page = await get("/no/such/page");
    expect(page.status).toBe(404);
    expect(await page.text()).toContain("There is nothing at this address.");
    const api = await get("/no/such/page", { accept: "application/json" });
    expect(api.status).toBe(404);
    const body = (await api.json()) as ApiError;
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.error.requestId).toBe(api.headers.get("x-request-id"));
  });
});

describe("POST /subscribe", () => {
  it("a form signup answers the check-your-inbox page and mails a confirmation link", async () => {
    const email = uniqueEmail("form");
    const res = await subscribeForm({ email, name: "Ada", series: DEFAULT_SERIES });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("<h1>Check your inbox</h1>");
    expect(html).toContain(sentLinkTo(email));
    expect(html).toContain("the first part of “Origins of Lead Change” is on its way.");
    // A way back to the form of the same series, to fix a typo in the address.
    expect(html).toContain('<a href="/">sign up again</a>');

    const mails = await outboxFor(email);
    expect(mails).toHaveLength(1);
    const [mail] = mails;
    expect(mail!.subject).toBe("Confirm your subscription to Origins of Lead Change");
    // Signed by the newest key ("t2"), the consent id hidden: `<kid>.<hidden id>.<expiry>.<tag>`.
    expect(mail!.html).toMatch(new RegExp(`href="${BASE}/confirm/t2\\.[A-Za-z0-9_-]{8}\\.[0-9a-z]+\\.[A-Za-z0-9_-]{22}"`));
    expect(mail!.text).toMatch(new RegExp(`${BASE}/confirm/t2\\.[A-Za-z0-9_-]{8}\\.[0-9a-z]+\\.[A-Za-z0-9_-]{22}`));
    // The address is not proven yet: the name typed with it stays out of the email, and off the reader.
    expect(mail!.html).toContain("Hi there,");
    expect(mail!.html).not.toContain("Ada");
    expect(mail!.text).not.toContain("Ada");

    const reader = await findSubscriber(email);
    expect(reader).toMatchObject({ email, name: null, status: "pending" });
    const subscriptions = await subscriptionsOf(reader!.id);
    expect(subscriptions).toMatchObject([{ series: DEFAULT_SERIES, status: "pending", nextPart: 1, dueAt: null }]);
  });

  it("a JSON signup answers JSON {ok, message}", async () => {
    const email = uniqueEmail("json");
    const res = await subscribeJson({ email, series: "fixture-four" });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toEqual({ ok: true, message: CHECK_INBOX });
    const mails = await outboxFor(email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe("Confirm your subscription to Fixture Four");
    const reader = await findSubscriber(email);
    expect((await subscriptionsOf(reader!.id)).map((s) => s.series)).toEqual(["fixture-four"]);
  });

  it("without a series, signs up for the default series", async () => {
    const email = uniqueEmail("noseries");
    expect((await subscribeForm({ email })).status).toBe(200);
    const reader = await findSubscriber(email);
    expect((await subscriptionsOf(reader!.id)).map((s) => s.series)).toEqual([DEFAULT_SERIES]);
  });

  it("an unknown series is a 400 with a clear message, and nothing is stored", async () => {
    const email = uniqueEmail("badseries");
    const form = await subscribeForm({ email, series: "nope" });
    expect(form.status).toBe(400);
    expect(await form.text()).toContain("There is no such series.");
    const json = await subscribeJson({ email, series: "nope" });
    expect(json.status).toBe(400);
    expect(((await json.json()) as ApiError).error).toMatchObject({ code: "BAD_REQUEST", message: "There is no such series." });
    expect(await findSubscriber(email)).toBeNull();
    expect(await outboxFor(email)).toHaveLength(0);
  });

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
      answers.push({ status: res.status, type: res.headers.get("content-type"), body: body.replaceAll(escapeHtml(address), "{address}") });
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

  describe("accepts real-world addresses", () => {
    const accepted: [string, (id: string) => string, (id: string) => string][] = [
      ["plus tag", (id) => `ann+news-${id}@example.com`, (id) => `ann+news-${id}@example.com`],
      ["subdomain", (id) => `ann-${id}@mail.eu.example.co.uk`, (id) => `ann-${id}@mail.eu.example.co.uk`],
      ["apostrophe", (id) => `o'brien-${id}@example.com`, (id) => `o'brien-${id}@example.com`],
      ["dots in the local part", (id) => `ann.marie.${id}@example.com`, (id) => `ann.marie.${id}@example.com`],
      ["punycode domain", (id) => `reader-${id}@xn--bcher-kva.de`, (id) => `reader-${id}@xn--bcher-kva.de`],
      ["Unicode domain, stored as punycode", (id) => `reader-${id}@bücher.de`, (id) => `reader-${id}@xn--bcher-kva.de`],
      ["surrounding spaces are trimmed", (id) => `  trim-${id}@example.com  `, (id) => `trim-${id}@example.com`],
    ];
    for (const [label, typed, stored] of accepted) {
      it(label, async () => {
        const id = crypto.randomUUID().slice(0, 8);
        const res = await subscribeForm({ email: typed(id) });
        expect(res.status, await res.clone().text()).toBe(200);
        const reader = await findSubscriber(stored(id));
        expect(reader).toMatchObject({ email: stored(id), status: "pending" });
        const mails = await outboxFor(stored(id));
        expect(mails).toHaveLength(1);
        expect(mails[0]!.to).toBe(stored(id));
      });
    }

    it("the JSON API accepts them too", async () => {
      const id = crypto.randomUUID().slice(0, 8);
      const res = await subscribeJson({ email: `o'brien+x-${id}@bücher.de` });
      expect(res.status).toBe(200);
      expect(await findSubscriber(`o'brien+x-${id}@xn--bcher-kva.de`)).not.toBeNull();
    });
  });

  describe("rejects invalid addresses with 400 and a clear message", () => {
    const rejected: [string, string, string][] = [
      ["a space inside", "ann smith@example.com", INVALID_EMAIL],
      ["CR/LF (header injection)", "ann@example.com\r\nBcc: victim@example.com", INVALID_EMAIL],
      ["an LF inside", "ann@exam\nple.com", INVALID_EMAIL],
      ["a CR inside the local part", "ann\r@example.com", INVALID_EMAIL],
      ["a tab inside", "ann\t@example.com", INVALID_EMAIL],
      ["a NUL", "ann\u0000@example.com", INVALID_EMAIL],
      ["two @", "ann@bob@example.com", INVALID_EMAIL],
      ["no @", "ann.example.com", INVALID_EMAIL],
      ["nothing before @", "@example.com", INVALID_EMAIL],
      ["a bare host", "a@localhost", INVALID_EMAIL],
      ["an IP literal in brackets", "a@[127.0.0.1]", INVALID_EMAIL],
      ["a bare IP address", "a@127.0.0.1", INVALID_EMAIL],
      ["an IPv6 literal", "a@[IPv6:::1]", INVALID_EMAIL],
      ["a quoted local part", '"ann smith"@example.com', INVALID_EMAIL],
      ["a trailing dot", "ann@example.com.", INVALID_EMAIL],
      ["consecutive dots", "ann..smith@example.com", INVALID_EMAIL],
      ["a numeric top-level domain", "ann@example.123", INVALID_EMAIL],
      ["empty", "", MISSING_EMAIL],
      ["only spaces", "   ", MISSING_EMAIL],
      ["a 400-character address", `${"a".repeat(388)}@example.com`, "That email address is too long."],
      ["a 300-character address (over 254)", `${"a".repeat(60)}@${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.${"e".repeat(60)}.com`, INVALID_EMAIL],
    ];
    for (const [label, email, message] of rejected) {
      it(`${label} (form)`, async () => {
        const before = await countRows("subscribers");
        const res = await subscribeForm({ email, name: "Ann" });
        expect(res.status).toBe(400);
        expect(res.headers.get("content-type")).toMatch(/^text\/html/);
        const html = await res.text();
        expect(html).toMatch(/<p class="error" role="alert" id="form-error">/);
        expect(html).toContain(message);
        // The error is the first thing a screen reader announces, and the field is marked and focused.
        expect(html).toContain(`<title>Error: ${escapeHtml(message)} — Origins of Lead Change</title>`);
        expect(html).toMatch(/<input id="email"[^>]* aria-describedby="form-error" aria-invalid="true" autofocus=""\/>/);
        // The form comes back with the reader's input, so they can correct it.
        expect(html).toMatch(/<form[^>]*action="\/subscribe"/);
        expect(html).toContain('value="Ann"');
        expect(await countRows("subscribers")).toBe(before);
      });

      it(`${label} (JSON)`, async () => {
        const res = await subscribeJson({ email });
        expect(res.status).toBe(400);
        const body = (await res.json()) as ApiError;
        expect(body.error.code).toBe("BAD_REQUEST");
        expect(body.error.message).toBe(message);
        expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
      });
    }

    it("a missing email field", async () => {
      const form = await subscribeForm({ name: "Ann" });
      expect(form.status).toBe(400);
      expect(await form.text()).toContain(MISSING_EMAIL);
      const json = await subscribeJson({ name: "Ann" });
      expect(json.status).toBe(400);
      expect(((await json.json()) as ApiError).error.message).toBe(MISSING_EMAIL);
    });

    it("a non-string email in JSON", async () => {
      for (const email of [42, null, ["a@example.com"], { a: 1 }, true]) {
        const res = await subscribeJson({ email });
        expect(res.status).toBe(400);
        expect(((await res.json()) as ApiError).error.code).toBe("BAD_REQUEST");
      }
    });

    it("a trailing line break is trimmed like a space (nothing of it is stored)", async () => {
      const email = uniqueEmail("trailing-lf");
      expect((await subscribeForm({ email: `${email}\r\n` })).status).toBe(200);
      expect((await findSubscriber(email))!.email).toBe(email);
      expect((await outboxFor(email))[0]!.to).toBe(email);
    });

    it("a repeated email field in a form: only the last value is used", async () => {
      const first = uniqueEmail("repeat-first");
      const last = uniqueEmail("repeat-last");
      const res = await postForm("/subscribe", `email=${encodeURIComponent(first)}&email=${encodeURIComponent(last)}`);
      expect(res.status).toBe(200);
      expect(await findSubscriber(first)).toBeNull();
      expect(await findSubscriber(last)).not.toBeNull();
    });
  });

  describe("names", () => {
    it("rejects a name with line breaks or control characters", async () => {
      for (const name of ["Ann\r\nBcc: x@example.com", "Ann\u0000", "Ann\tSmith", "Ann\u007f"]) {
        const email = uniqueEmail("ctrlname");
        const res = await subscribeJson({ email, name });
        expect(res.status).toBe(400);
        expect(((await res.json()) as ApiError).error.message).toBe("Your name cannot contain line breaks or control characters.");
        expect(await findSubscriber(email)).toBeNull();
      }
    });

    it("rejects a name with bidi overrides or zero-width characters", async () => {
      const invisible = [
        ...["\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u202a", "\u202c", "\u202e", "\u2066", "\u2069", "\ufeff"],
        // Separators other than the space, soft hyphen, word joiner, Arabic letter mark, tag and private-use characters.
        ...["\u2028", "\u2029", "\u00a0", "\u200a", "\u202f", "\u3000", "\u00ad", "\u2060", "\u061c", "\u{e0041}", "\u{e007f}", "\ue000", "\u{f0000}"],
      ];
      for (const char of invisible) {
        const label = `U+${char.codePointAt(0)!.toString(16).toUpperCase()}`;
        const email = uniqueEmail("invisible");
        const json = await subscribeJson({ email, name: `Ann${char}Smith` });
        expect(json.status, label).toBe(400);
        expect(((await json.json()) as ApiError).error.message, label).toBe("Your name contains invisible characters.");
        const form = await subscribeForm({ email, name: `${char}Ann` });
        expect(form.status, label).toBe(400);
        expect(await form.text(), label).toContain("Your name contains invisible characters.");
        expect(await findSubscriber(email), label).toBeNull();
        expect(await outboxFor(email), label).toHaveLength(0);
      }
      // Visible non-ASCII is fine: the neighbours of the refused ranges, accents and emoji.
      for (const name of ["Zoë 😀", "Ann\u2010Marie", "Ann\u2070", "Jean-Luc O'Brien", "J. R. R. Tolkien", "李小龍", "محمد"]) {
        expect((await subscribeJson({ email: uniqueEmail("visible"), name })).status, name).toBe(200);
      }
    });

    it("rejects a name with a C1 control character (U+0085, NEL) like any control character", async () => {
      const res = await subscribeJson({ email: uniqueEmail("nel"), name: "Ann\u0085Smith" });
      expect(res.status).toBe(400);
      expect(((await res.json()) as ApiError).error.message).toBe("Your name cannot contain line breaks or control characters.");
    });

    it("rejects a name that carries a link: a scheme, www., a domain, an address", async () => {
      const links = [
        "Your account is locked, verify at https://evil.example/login",
        "http://evil.example",
        "hxxp://evil.example",
        "javascript:alert(1)",
        "mailto:ann",
        "www.evil",
        "Ann evil.example",
        "Ann evil.co",
        "visit evil。com",
        "ann@evil",
      ];
      for (const name of links) {
        const email = uniqueEmail("linkname");
        const json = await subscribeJson({ email, name });
        expect(json.status, name).toBe(400);
        expect(((await json.json()) as ApiError).error.message, name).toBe("Your name cannot contain a web address or link.");
        const form = await subscribeForm({ email, name });
        expect(form.status, name).toBe(400);
        expect(await form.text(), name).toContain("Your name cannot contain a web address or link.");
        expect(await findSubscriber(email), name).toBeNull();
        expect(await outboxFor(email), name).toHaveLength(0);
      }
    });

    it("rejects a name over 100 characters", async () => {
      const res = await subscribeForm({ email: uniqueEmail(), name: "x".repeat(101) });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("Please keep your name under 100 characters.");
    });

    it("stores a blank name as no name, and greets the reader as 'there'", async () => {
      const email = uniqueEmail("blankname");
      expect((await subscribeForm({ email, name: "   " })).status).toBe(200);
      expect((await findSubscriber(email))!.name).toBeNull();
      expect((await outboxFor(email))[0]!.html).toContain("Hi there,");
    });
  });

  describe("request shape", () => {
    it("invalid JSON is a 400 JSON error in the one error shape", async () => {
      for (const body of ["{", "not json", '{"email": "a@example.com",}', ""]) {
        const res = await subscribeJson(body);
        expect(res.status).toBe(400);
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
        const json = (await res.json()) as ApiError;
        expect(json.error.code).toBe("BAD_REQUEST");
        expect(json.error.message).toBeTruthy();
        expect(json.error.requestId).toBeTruthy();
        expect(json.error.requestId).toBe(res.headers.get("x-request-id"));
      }
    });

    it("JSON that is not an object is a 400", async () => {
      for (const body of ["null", "[]", '"a@example.com"', "42"]) {
        const res = await subscribeJson(body);
        expect(res.status).toBe(400);
        expect(((await res.json()) as ApiError).error.code).toBe("BAD_REQUEST");
      }
    });

    it("an unsupported content type is a 415", async () => {
      for (const type of ["application/xml", "text/csv"]) {
        const res = await postForm("/subscribe", `<email>${uniqueEmail()}</email>`, { headers: { "content-type": type } });
        expect(res.status).toBe(415);
        expect(await res.text()).toContain("Send the form as application/x-www-form-urlencoded or JSON.");
      }
      const api = await postForm("/subscribe", "x", { headers: { "content-type": "application/xml", accept: "application/json" } });
      expect(api.status).toBe(415);
      expect(((await api.json()) as ApiError).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
    });

    it("a form post that asks for JSON (Accept) is parsed as a form and answered in JSON", async () => {
      const email = uniqueEmail("form-accept-json");
      const ok = await subscribeForm({ email }, { headers: { accept: "application/json" } });
      expect(ok.status).toBe(200);
      expect(await ok.json()).toEqual({ ok: true, message: CHECK_INBOX });
      expect(await findSubscriber(email)).not.toBeNull();
      const bad = await subscribeForm({ email: "nope" }, { headers: { accept: "application/json" } });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as ApiError).error.message).toBe(INVALID_EMAIL);
    });

    it("a multipart form is accepted like a urlencoded one", async () => {
      const email = uniqueEmail("multipart");
      const form = new FormData();
      form.set("email", email);
      form.set("name", "Multi");
      const res = await postMultipart(form);
      await settled();
      expect(res.status).toBe(200);
      expect((await findSubscriber(email))!.status).toBe("pending");
      expect(await pendingNamesOf(email)).toEqual(["Multi"]);
    });

    it("a body over 16 KB is a 413, form or JSON", async () => {
      const email = uniqueEmail("big");
      const form = await subscribeForm({ email, name: "x".repeat(17 * 1024) });
      expect(form.status).toBe(413);
      expect(await form.text()).toContain("That request is too large.");
      const json = await subscribeJson({ email, name: "x".repeat(17 * 1024) });
      expect(json.status).toBe(413);
      expect(((await json.json()) as ApiError).error.code).toBe("PAYLOAD_TOO_LARGE");
      expect(await findSubscriber(email)).toBeNull();
    });

    it("a cross-origin form post is a 403 and stores nothing", async () => {
      const email = uniqueEmail("csrf");
      const evil = await subscribeForm({ email }, { origin: "https://evil.example" });
      expect(evil.status).toBe(403);
      expect(await evil.text()).toContain("This form was sent from another site.");
      const noOrigin = await subscribeForm({ email }, { origin: null });
      expect(noOrigin.status).toBe(403);
      const crossSite = await subscribeForm({ email }, { origin: "https://evil.example", headers: { "sec-fetch-site": "cross-site" } });
      expect(crossSite.status).toBe(403);
      // A text/plain "form" (the other content type a cross-site form can send) is checked as well.
      const plain = await postForm("/subscribe", `email=${email}`, { origin: "https://evil.example", headers: { "content-type": "text/plain" } });
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
  });

  it("addresses are unique case-insensitively: Ann@Example.com then ann@example.com is one reader", async () => {
    const id = crypto.randomUUID().slice(0, 8);
    const first = `Ann-${id}@Example.com`;
    const second = `ann-${id}@example.com`;
    expect((await subscribeForm({ email: first })).status).toBe(200);
    expect((await subscribeForm({ email: second })).status).toBe(200);
    const rows = await subscribersMatching(second);
    expect(rows).toHaveLength(1);
    // Kept as first typed (the domain lower-cased by IDNA); the key is lower-case.
    expect(rows[0]).toMatchObject({ email: `Ann-${id}@example.com`, emailKey: second });
    expect(await subscriptionsOf(rows[0]!.id)).toHaveLength(1);
    expect(await outboxFor(second)).toHaveLength(2);
  });

  it("a name waits on its consent until confirmed: the newest signup's name wins; an active reader keeps theirs", async () => {
    const pending = uniqueEmail("rename");
    await subscribeForm({ email: pending, name: "Anne" });
    await subscribeForm({ email: pending, name: "Ann" });
    expect((await findSubscriber(pending))!.name).toBeNull();
    expect(await pendingNamesOf(pending)).toEqual(["Anne", "Ann"]);
    const mails = await outboxFor(pending);
    expect((await confirmVia(confirmLinkOf(mails[1]!))).status).toBe(200);
    expect((await findSubscriber(pending))!.name).toBe("Ann");

    const active = await signUpAndConfirm(uniqueEmail("rename-active"), { name: "Bea" });
    await subscribeForm({ email: active.email, name: "Mallory" });
    expect((await findSubscriber(active.email))!.name).toBe("Bea");
  });

  it("an unconfirmed signup never overwrites what an unsubscribed reader had", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("keep-unsub"), { name: "Bea", timezone: "Europe/Paris" });
    const token = await signTestToken("unsubscribe", reader.subscriber.id);
    expect((await postForm(`/unsubscribe/${token}`, { "List-Unsubscribe": "One-Click" }, { origin: null })).status).toBe(200);
    expect((await subscribeForm({ email: reader.email, name: "Mallory", timezone: "Asia/Tokyo" })).status).toBe(200);
    expect(await findSubscriber(reader.email)).toMatchObject({ name: "Bea", timezone: "Europe/Paris", status: "unsubscribed" });
  });

  it("a reader can add a second series; each gets its own subscription", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("two-series"));
    expect((await subscribeForm({ email: reader.email, series: "fixture-four" })).status).toBe(200);
    const subs = await subscriptionsOf(reader.subscriber.id);
    expect(subs.map((s) => [s.series, s.status])).toEqual([
      [DEFAULT_SERIES, "active"],
      ["fixture-four", "pending"],
    ]);
    expect(await outboxFor(reader.email)).toHaveLength(2);
  });

  it("stores a valid timezone from the form and ignores an invalid one", async () => {
    const paris = uniqueEmail("tz-ok");
    await signUpAndConfirm(paris, { timezone: "Europe/Paris" });
    expect((await findSubscriber(paris))!.timezone).toBe("Europe/Paris");
    const bogus = uniqueEmail("tz-bad");
    expect((await subscribeForm({ email: bogus, timezone: "Mars/Olympus_Mons" })).status).toBe(200);
    expect((await findSubscriber(bogus))!.timezone).toBeNull();
  });

  it("a returning unsubscriber stays unsubscribed until the new link is clicked; each signup adds a consent", async () => {
    const ip = uniqueIp();
    const reader = await signUpAndConfirm(uniqueEmail("returning"));
    const id = reader.subscriber.id;
    const token = await signTestToken("unsubscribe", id);
    const out = await postForm(`/unsubscribe/${token}`, { "List-Unsubscribe": "One-Click" }, { origin: null });
    expect(out.status).toBe(200);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");

    const again = await subscribeForm({ email: reader.email }, { ip, headers: { "user-agent": "TestBrowser/1.0" } });
    expect(again.status).toBe(200);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
    expect((await subscriptionsOf(id))[0]).toMatchObject({ status: "stopped", dueAt: null });

    const consents = await consentsOf(id);
    expect(consents).toHaveLength(2);
    const latest = consents[1]!;
    expect(latest).toMatchObject({ series: DEFAULT_SERIES, form: "signup-form", confirmedAt: null });
    expect(latest.ipHash).toBeTruthy();
    expect(latest.ipHash).not.toBe(ip);
    expect(latest.ipHash).not.toContain(ip);
    expect(latest.userAgentHash).toBeTruthy();
    expect(latest.userAgentHash).not.toContain("TestBrowser");
    expect(consents[0]!.confirmedAt).not.toBeNull();

    const mails = await outboxFor(reader.email);
    expect(mails).toHaveLength(2);
    const confirm = await confirmVia(mails[1]!.html.match(/href="(https:\/\/news\.example\.com\/confirm\/[^"]+)"/)![1]!);
    expect(confirm.status).toBe(200);
    expect((await findSubscriber(reader.email))!.status).toBe("active");
    expect((await subscriptionsOf(id))[0]!.status).toBe("active");
    expect((await consentsOf(id)).every((c) => c.confirmedAt !== null)).toBe(true);
  });

  it("the same IP hashes to the same value (provable), different IPs to different values", async () => {
    const ip = uniqueIp();
    const a = uniqueEmail("hash-a");
    const b = uniqueEmail("hash-b");
    const c = uniqueEmail("hash-c");
    await subscribeForm({ email: a }, { ip });
    await subscribeForm({ email: b }, { ip });
    await subscribeForm({ email: c });
    const [ca] = await consentsOf((await findSubscriber(a))!.id);
    const [cb] = await consentsOf((await findSubscriber(b))!.id);
    const [cc] = await consentsOf((await findSubscriber(c))!.id);
    expect(ca!.ipHash).toBe(cb!.ipHash);
    expect(cc!.ipHash).not.toBe(ca!.ipHash);
    expect(ca!.form).toBe("signup-form");
    // Keyed with HASH_SECRET, never a signing key: rotating the ring leaves stored hashes comparable.
    expect(ca!.ipHash).toBe(await keyedHash(env.HASH_SECRET!, ip));
    for (const key of testKeyring().keys) expect(ca!.ipHash).not.toBe(await keyedHash(key.secret, ip));
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

/** The names waiting on an address's consents (applied when the reader confirms), oldest first. */
async function pendingNamesOf(address: string): Promise<(string | null)[]> {
  const { results } = await env.DB.prepare(
    "SELECT c.pending_name FROM consents c JOIN subscribers s ON s.id = c.subscriber_id WHERE s.email_key = lower(?1) ORDER BY c.id",
  )
    .bind(address)
    .all<{ pending_name: string | null }>();
  return results.map((row) => row.pending_name);
}

/** A browser's multipart/form-data post (the boundary comes from the FormData body). */
async function postMultipart(form: FormData): Promise<Response> {
  const encoded = new Request(`${BASE}/subscribe`, { method: "POST", body: form });
  return SELF.fetch(`${BASE}/subscribe`, {
    method: "POST",
    headers: { "content-type": encoded.headers.get("content-type")!, origin: BASE, "cf-connecting-ip": uniqueIp() },
    body: await encoded.arrayBuffer(),
  });
}

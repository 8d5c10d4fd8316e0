import { describe, expect, it } from "vitest";
import {
  type ApiError,
  escapeHtml,
  postForm,
  subscribeForm,
  subscribeJson,
  uniqueEmail,
  INVALID_EMAIL,
} from "../helpers/route-helpers";
import { countRows, findSubscriber, outboxFor } from "../helpers/rows";

/** POST /subscribe refusing what it cannot take: each a clear 4xx, nothing stored. */
const MISSING_EMAIL = "Please enter your email address.";

describe("POST /subscribe: errors", () => {
  it("an unknown series is a 400 with a clear message, and nothing is stored", async () => {
    const email = uniqueEmail("badseries");
    const form = await subscribeForm({ email, series: "nope" });
    expect(form.status).toBe(400);
    expect(await form.text()).toContain("There is no such series.");
    const json = await subscribeJson({ email, series: "nope" });
    expect(json.status).toBe(400);
    expect(((await json.json()) as ApiError).error).toMatchObject({
      code: "BAD_REQUEST",
      message: "There is no such series.",
    });
    expect(await findSubscriber(email)).toBeNull();
    expect(await outboxFor(email)).toHaveLength(0);
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
      [
        "a 300-character address (over 254)",
        `${"a".repeat(60)}@${"b".repeat(60)}.${"c".repeat(60)}.${"d".repeat(60)}.${"e".repeat(60)}.com`,
        INVALID_EMAIL,
      ],
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
        expect(html).toMatch(
          /<input id="email"[^>]* aria-describedby="form-error" aria-invalid="true" autofocus=""\/>/,
        );
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
        expect(((await res.json()) as ApiError).error.message).toBe(
          "Your name cannot contain line breaks or control characters.",
        );
        expect(await findSubscriber(email)).toBeNull();
      }
    });

    it("rejects a name with bidi overrides or zero-width characters", async () => {
      const invisible = [
        ...[
          "\u200b",
          "\u200c",
          "\u200d",
          "\u200e",
          "\u200f",
          "\u202a",
          "\u202c",
          "\u202e",
          "\u2066",
          "\u2069",
          "\ufeff",
        ],
        // Separators other than the space, soft hyphen, word joiner, Arabic letter mark, tag and private-use characters.
        ...[
          "\u2028",
          "\u2029",
          "\u00a0",
          "\u200a",
          "\u202f",
          "\u3000",
          "\u00ad",
          "\u2060",
          "\u061c",
          "\u{e0041}",
          "\u{e007f}",
          "\ue000",
          "\u{f0000}",
        ],
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
      for (const name of [
        "Zoë 😀",
        "Ann\u2010Marie",
        "Ann\u2070",
        "Jean-Luc O'Brien",
        "J. R. R. Tolkien",
        "李小龍",
        "محمد",
      ]) {
        expect((await subscribeJson({ email: uniqueEmail("visible"), name })).status, name).toBe(200);
      }
    });

    it("rejects a name with a C1 control character (U+0085, NEL) like any control character", async () => {
      const res = await subscribeJson({ email: uniqueEmail("nel"), name: "Ann\u0085Smith" });
      expect(res.status).toBe(400);
      expect(((await res.json()) as ApiError).error.message).toBe(
        "Your name cannot contain line breaks or control characters.",
      );
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
        expect(((await json.json()) as ApiError).error.message, name).toBe(
          "Your name cannot contain a web address or link.",
        );
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
        const res = await postForm("/subscribe", `<email>${uniqueEmail()}</email>`, {
          headers: { "content-type": type },
        });
        expect(res.status).toBe(415);
        expect(await res.text()).toContain("Send the form as application/x-www-form-urlencoded or JSON.");
      }
      const api = await postForm("/subscribe", "x", {
        headers: { "content-type": "application/xml", accept: "application/json" },
      });
      expect(api.status).toBe(415);
      expect(((await api.json()) as ApiError).error.code).toBe("UNSUPPORTED_MEDIA_TYPE");
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
  });
});

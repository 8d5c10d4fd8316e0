import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import {
  adminSend,
  BASE,
  DEFAULT_SERIES,
  escapeHtml,
  get,
  postForm,
  oldFormatToken,
  signUpAndConfirm,
  subscribeForm,
  subscribeJson,
  uniqueEmail,
} from "../helpers/route-helpers";
import { countRows, findSubscriber, outboxFor } from "../helpers/rows";

/** Hostile input, by family. Each must come back without a 5xx and without live markup. */
const NAUGHTY: Record<string, string> = {
  script: "<script>alert(1)</script>",
  attribute: '"><img src=x onerror=alert(1)>',
  singleQuoteAttribute: "'><img src=x onerror=alert(1)>",
  sql: "'; DROP TABLE subscribers; --",
  sqlUnion: "1 UNION SELECT email, email_key FROM subscribers --",
  likeWildcards: "%_%\\",
  rtlOverride: "\u202Eexe.gnp",
  emoji: "😀🔥👩‍👩‍👧",
  zeroWidth: "a\u200Bb\u200C\u200D\uFEFF",
  nul: "a\u0000b",
  crlf: "a\r\nSet-Cookie: pwned=1",
  lone: "\uD800",
  huge: "A".repeat(100 * 1024),
  hugeMarkup: "<script>alert(1)</script>".repeat(4100),
};

/** What must never appear in a response body: markup that a browser would run. */
const LIVE_MARKUP = ["<script>alert(1)", "<img src=x", "<img src=x onerror"];

async function expectSafe(res: Response, what: string) {
  const body = await res.text();
  expect(res.status, `${what}: status`).toBeLessThan(500);
  for (const live of LIVE_MARKUP) expect(body.includes(live), `${what}: body contains ${live}`).toBe(false);
  expect(res.headers.get("set-cookie"), `${what}: set-cookie`).toBeNull();
  expect(res.headers.get("pwned"), `${what}: injected header`).toBeNull();
  return body;
}

const FIELDS = ["email", "name", "series", "timezone", "website"] as const;

describe("naughty strings in every /subscribe field", () => {
  for (const field of FIELDS) {
    it(`field "${field}", as a form`, async () => {
      for (const [label, value] of Object.entries(NAUGHTY)) {
        const fields: Record<string, string> = { email: uniqueEmail(`naughty-${field}`), name: "Ann", [field]: value };
        const res = await subscribeForm(fields);
        await expectSafe(res, `form ${field}=${label}`);
      }
      // The table still works after all that: a plain signup right after is stored.
      const plain = uniqueEmail(`after-naughty-${field}`);
      expect((await subscribeForm({ email: plain })).status).toBe(200);
      expect(await findSubscriber(plain)).toMatchObject({ email: plain, status: "pending" });
    });

    it(`field "${field}", as JSON`, async () => {
      for (const [label, value] of Object.entries(NAUGHTY)) {
        const body: Record<string, string> = {
          email: uniqueEmail(`naughty-json-${field}`),
          name: "Ann",
          [field]: value,
        };
        const res = await subscribeJson(body);
        const text = await expectSafe(res, `json ${field}=${label}`);
        expect(res.headers.get("content-type"), `json ${field}=${label}`).toMatch(/^application\/json/);
        expect(() => JSON.parse(text)).not.toThrow();
      }
    });
  }

  it("naughty strings in an email address are all rejected, and echoed back escaped", async () => {
    for (const [label, value] of Object.entries(NAUGHTY)) {
      if (label === "huge" || label === "hugeMarkup") continue; // 413 before anything is parsed
      const res = await subscribeForm({ email: value, name: "Ann" });
      const body = await expectSafe(res, `email=${label}`);
      expect(res.status, `email=${label}`).toBe(400);
      expect(body).toContain("Please enter a valid email address");
    }
    const echoed = await (await subscribeForm({ email: NAUGHTY.attribute! })).text();
    expect(echoed).toContain('value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
  });

  it("naughty names are echoed back escaped when the form is sent back for correction", async () => {
    const res = await subscribeForm({ email: "not-an-address", name: NAUGHTY.attribute! });
    const body = await expectSafe(res, "name echo");
    expect(res.status).toBe(400);
    expect(body).toContain('value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"');
  });

  it("huge values are refused with 413 before anything is stored", async () => {
    const before = await countRows("subscribers");
    for (const field of FIELDS) {
      const form = await subscribeForm({ email: uniqueEmail(), [field]: NAUGHTY.huge! });
      expect(form.status).toBe(413);
      const json = await subscribeJson({ email: uniqueEmail(), [field]: NAUGHTY.hugeMarkup! });
      expect(json.status).toBe(413);
    }
    expect(await countRows("subscribers")).toBe(before);
  });

  it("SQL in any field is data, never a statement", async () => {
    const email = uniqueEmail("sql");
    const res = await subscribeForm({ email, name: NAUGHTY.sql!, timezone: NAUGHTY.sql!, series: DEFAULT_SERIES });
    expect(res.status).toBe(200);
    // Stored as typed once the reader confirms.
    await signUpAndConfirm(email, { name: NAUGHTY.sql!, timezone: NAUGHTY.sql! });
    expect((await findSubscriber(email))!.name).toBe(NAUGHTY.sql);
    expect(await countRows("subscribers")).toBeGreaterThan(0);
  });

  it("names with bidi overrides or zero-width characters are refused with 400, form or JSON, and nothing is stored", async () => {
    for (const label of ["rtlOverride", "zeroWidth"] as const) {
      for (const name of [NAUGHTY[label]!, `<b>${NAUGHTY[label]!}</b>`, `Zoë 😀 ${NAUGHTY[label]!}evil`]) {
        const email = uniqueEmail(`invisible-${label}`);
        const form = await subscribeForm({ email, name });
        const html = await expectSafe(form, `form name=${label}`);
        expect(form.status, `form name=${label}`).toBe(400);
        expect(html).toContain("Your name contains invisible characters.");
        // Sent back for correction, escaped.
        expect(html).toContain(`value="${escapeHtml(name)}"`);
        expect(html).not.toContain("<b>");
        const json = await subscribeJson({ email, name });
        await expectSafe(json.clone(), `json name=${label}`);
        expect(json.status, `json name=${label}`).toBe(400);
        expect(((await json.json()) as { error: { message: string } }).error.message).toBe(
          "Your name contains invisible characters.",
        );
        expect(await findSubscriber(email)).toBeNull();
        expect(await outboxFor(email)).toHaveLength(0);
      }
    }
  });

  it("accepted names with markup are stored as typed on confirmation, never in the confirmation, escaped in parts", async () => {
    for (const name of [
      NAUGHTY.script!,
      NAUGHTY.attribute!,
      NAUGHTY.singleQuoteAttribute!,
      "Zoë 😀 evil",
      "Tom & Jerry",
    ]) {
      const reader = await signUpAndConfirm(uniqueEmail("markup-name"), { name });
      expect(reader.subscriber.name).toBe(name);
      const confirmation = reader.confirmEmail;
      const escaped = escapeHtml(name);
      // The address is not proven when the confirmation goes out: whatever was typed as a name stays out of it.
      expect(confirmation.html).toContain("Hi there,");
      expect(confirmation.html).not.toContain(escaped);
      expect(confirmation.text).not.toContain(name);
      for (const live of LIVE_MARKUP) expect(confirmation.html).not.toContain(live);
      expect(confirmation.subject).not.toContain(name);

      const send = await adminSend({ subscriber: reader.email });
      expect(send.status).toBe(200);
      const parts = (await outboxFor(reader.email)).filter((mail) => mail.subject.includes("Part 1"));
      expect(parts, `part 1 for ${name}`).toHaveLength(1);
      const part = parts[0];
      expect(part!.html).toContain(escaped);
      for (const live of LIVE_MARKUP) expect(part!.html).not.toContain(live);
    }
  });
});

describe("naughty strings in paths", () => {
  /** Percent-encoded and as typed; a lone surrogate cannot be encoded, so it goes as broken escapes instead. */
  const segments = (value: string) =>
    value === NAUGHTY.lone ? ["%ED%A0%80", "%E0%A4%A", "%", "%%30", "%C0%AF"] : [encodeURIComponent(value), value];

  it("GET /confirm/:token, /unsubscribe/:token, /u/:token, /a/:token/:n, /respond/:token, /s/:series, /p/… and feeds", async () => {
    for (const [label, value] of Object.entries(NAUGHTY)) {
      for (const segment of segments(value)) {
        const paths = [
          `/confirm/${segment}`,
          `/unsubscribe/${segment}`,
          `/u/${segment}`,
          `/a/${segment}/0`,
          `/a/1.AAAAAAAAAAAAAAAAAAAAAA/${segment}`,
          `/respond/${segment}`,
          `/p/${segment}/feed.xml`,
          `/s/${segment}`,
          `/p/${segment}`,
          `/p/${segment}/1`,
          `/p/${DEFAULT_SERIES}/${segment}`,
        ];
        for (const path of paths) {
          const res = await get(path);
          await expectSafe(res, `GET ${path.slice(0, 60)} (${label})`);
          expect([400, 404, 414], `GET ${path.slice(0, 60)} (${label})`).toContain(res.status);
        }
      }
    }
  });

  it("POST /unsubscribe/:token and /resubscribe/:token, with and without a one-click body", async () => {
    const before = await countRows("events");
    for (const [label, value] of Object.entries(NAUGHTY)) {
      for (const segment of segments(value)) {
        for (const path of [`/unsubscribe/${segment}`, `/u/${segment}`, `/resubscribe/${segment}`]) {
          const oneClick = await postForm(path, { "List-Unsubscribe": "One-Click" }, { origin: null });
          await expectSafe(oneClick, `POST one-click ${path.slice(0, 60)} (${label})`);
          // Resubscribe is a form on our own pages: without an Origin it is refused before the token is read.
          expect(path.startsWith("/resubscribe/") ? [403, 404, 414] : [400, 404, 414]).toContain(oneClick.status);
          const button = await postForm(path, "");
          await expectSafe(button, `POST ${path.slice(0, 60)} (${label})`);
          expect([400, 404, 414]).toContain(button.status);
        }
      }
    }
    expect(await countRows("events")).toBe(before);
  });

  it("a naughty series inside a validly signed token is not reflected", async () => {
    for (const [label, value] of Object.entries(NAUGHTY)) {
      if (label === "huge" || label === "hugeMarkup") continue;
      const confirm = oldFormatToken(`confirm|1|${value}|${Date.now() + 60_000}`);
      const res = await get(`/confirm/${confirm}`);
      await expectSafe(res, `confirm series=${label}`);
      expect(res.status).toBe(400);
    }
    // A token in the old format naming a markup series: refused (that format is gone), no echo.
    const unsubscribe = oldFormatToken(`unsubscribe|987654321|${NAUGHTY.script!}|0`);
    const res = await get(`/u/${unsubscribe}`);
    await expectSafe(res, "unsubscribe markup series");
    expect(res.status).toBe(400);
  });

  it("naughty query strings do not break the pages", async () => {
    for (const value of Object.values(NAUGHTY)) {
      for (const path of ["/", `/s/${DEFAULT_SERIES}`, `/p/${DEFAULT_SERIES}/1`]) {
        const query = value === NAUGHTY.lone ? "%ED%A0%80%" : encodeURIComponent(value);
        const res = await SELF.fetch(`${BASE}${path}?q=${query}&series=${query}`);
        await expectSafe(res, `query on ${path}`);
        expect(res.status).toBe(200);
      }
    }
  });
});

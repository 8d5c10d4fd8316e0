import { describe, expect, it } from "vitest";
import { catalog } from "../../worker/content/catalog";
import { fillTemplate, fillTemplateJson, templateStats } from "../../worker/content/fill-template";
import type { CompiledTemplate, Slots } from "../../worker/content/types";
import { joinUtf8 } from "../../worker/lib/utf8-join";

// A nonce keeps these template strings out of any cache another test filled.
const unique = (label: string): CompiledTemplate => {
  const nonce = crypto.randomUUID();
  return {
    subject: `${label} ${nonce} for {{{name}}}`,
    html: `<p data-n="${nonce}">Hi {{{name}}}</p><a href="{{{unsubscribe_url}}}">Unsubscribe</a>`,
    text: `${label} ${nonce}\nHi {{{name}}}\nUnsubscribe: {{{unsubscribe_url}}}`,
  };
};

describe("fillTemplate", () => {
  it("HTML-escapes markup and quotes in html, keeps text raw", () => {
    const name = `<script>alert("x")</script> & 'y'`;
    const out = fillTemplate(unique("escape"), { name, unsubscribe_url: "https://x.test/u?a=1&b=2" });
    expect(out.html).toContain("Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;</p>");
    expect(out.html).not.toContain("<script>");
    expect(out.html).toContain('href="https://x.test/u?a=1&amp;b=2"');
    expect(out.text).toContain(`Hi ${name}\n`);
    expect(out.text).toContain("Unsubscribe: https://x.test/u?a=1&b=2");
  });

  it("strips CR/LF from values in the subject (no header injection)", () => {
    const out = fillTemplate(unique("subject"), { name: "Eve\r\nBcc: victim@example.com\n", unsubscribe_url: "u" });
    expect(out.subject).not.toMatch(/[\r\n]/);
    expect(out.subject).toMatch(/for Eve Bcc: victim@example\.com $/);
  });

  it("throws naming a missing slot", () => {
    expect(() => fillTemplate(unique("missing"), { name: "Ada" })).toThrow(/unsubscribe_url/);
  });

  it("fills slots at the very start and end, and leaves slot-free strings alone", () => {
    const t = { subject: "Plain subject", html: "{{{name}}}", text: "a{{{name}}}{{{name}}}b" };
    expect(fillTemplate(t, { name: "N" })).toEqual({ subject: "Plain subject", html: "N", text: "aNNb" });
  });

  it("splits each distinct template string once, not once per reader", () => {
    const part = catalog.series[0]!.parts[0]!.email;
    const shared = unique("shared");
    const twin: CompiledTemplate = { ...unique("twin"), subject: shared.subject }; // same string, other object
    const before = templateStats.compiles;
    const distinct = new Set([part.subject, part.html, part.text, shared.subject, shared.html, shared.text, twin.html, twin.text]);
    for (let reader = 0; reader < 1000; reader++) {
      const slots: Slots = {
        name: `Reader ${reader}`,
        base_url: "https://example.com",
        unsubscribe_url: `https://example.com/u/${reader}`,
        preferences_url: `https://example.com/prefs/${reader}`,
        web_url: "https://example.com/p/x/1",
        action_url: "https://example.com/a/1.tag",
        referral_url: "https://example.com/s/x?ref=1.tag",
        postal_address: "1 Example Street",
      };
      fillTemplate(part, slots);
      fillTemplate(shared, slots);
      fillTemplate(twin, slots);
    }
    // The catalog part may already be cached by another test in this isolate: at most, never more.
    expect(templateStats.compiles - before).toBeLessThanOrEqual(distinct.size);
    expect(templateStats.compiles - before).toBeGreaterThanOrEqual(5); // shared ×3 + twin html/text
  });
});

describe("fillTemplateJson", () => {
  it("equals JSON.stringify of fillTemplate, byte for byte, for naughty values", () => {
    const t = unique("json");
    t.html += `<script>"\\</script>\u2028 🦊`;
    for (const name of [`"quoted" \\ back`, "</script>", "\u2028\u2029", "🦊👩‍👩‍👧", "\u0000\u001f\b\t\n\r\u007f", "{{{name}}}"]) {
      const slots = { name, unsubscribe_url: `https://x.test/u?a=1&b="${name}"` };
      const filled = fillTemplate(t, slots);
      const json = fillTemplateJson(t, slots);
      const joined = (pieces: (Uint8Array | string)[]) => new TextDecoder().decode(joinUtf8(pieces));
      expect(joined(json.subject)).toBe(JSON.stringify(filled.subject));
      expect(joined(json.html)).toBe(JSON.stringify(filled.html));
      expect(joined(json.text)).toBe(JSON.stringify(filled.text));
    }
  });
});

describe("joinUtf8", () => {
  it("writes strings as TextEncoder would, between byte pieces", () => {
    const strings = ["plain", "é ß", "\u2028\u2029 €", "🦊👩‍👩‍👧", "\u0000\u007f\u0080\u07ff\u0800\uffff", ""];
    const bytes = new TextEncoder().encode("«bytes»");
    const pieces = strings.flatMap((s) => [s, bytes]);
    expect(joinUtf8(pieces)).toEqual(new TextEncoder().encode(strings.map((s) => `${s}«bytes»`).join("")));
  });
});

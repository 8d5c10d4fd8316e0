import { describe, expect, it } from "vitest";
import { catalog } from "../../worker/content/catalog";
import {
  fillPrepared,
  fillTemplate,
  jsonInner,
  prepareTemplate,
  templateStats,
} from "../../worker/content/fill-template";
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
    const distinct = new Set([
      part.subject,
      part.html,
      part.text,
      shared.subject,
      shared.html,
      shared.text,
      twin.html,
      twin.text,
    ]);
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

describe("prepareTemplate and fillPrepared", () => {
  // One pass over the whole template, written apart from the code under test: the reference.
  const ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
  const ENCODE = {
    subject: (v: string) => v.replace(/[\r\n]+/g, " "),
    html: (v: string) => v.replace(/[&<>"']/g, (c) => ESCAPES[c]!),
    text: (v: string) => v,
  };
  const onePass = (template: string, slots: Slots, encode: (v: string) => string) =>
    template.replace(/\{\{\{([a-z_]+)\}\}\}/g, (_, name: keyof Slots) => encode(slots[name]!));

  it("give each reader what one pass over the whole template gives, and its JSON byte for byte, for naughty values", () => {
    const nonce = crypto.randomUUID();
    const t: CompiledTemplate = {
      subject: `${nonce} {{{name}}} from {{{postal_address}}} {{{unsubscribe_url}}}`,
      html: `<p data-n="${nonce}">Hi {{{name}}}</p><a href="{{{unsubscribe_url}}}">x</a>{{{unsubscribe_url}}}<b>{{{base_url}}}</b>{{{postal_address}}}<script>"\\</script>\u2028 🦊`,
      text: `{{{name}}}{{{unsubscribe_url}}}\n{{{postal_address}}} {{{base_url}}}`,
    };
    const shared = { base_url: `https://x.test/<&>"'`, postal_address: '1 "Main" St\r\n<b>\u2028 é🦊' };
    const before = 'https://x.test/u?a=1&b=\r\n"';
    const after = `"/<x> 🦊\\ \r\n`;
    const prepared = prepareTemplate(t, shared, { unsubscribe_url: [before, after] });
    for (const name of [
      `"quoted" \\ back`,
      "</script>",
      "\u2028\u2029",
      "🦊👩‍👩‍👧",
      "\u0000\u001f\b\t\n\r\u007f",
      "{{{name}}}",
      "\nstarts a line",
      "Ada",
    ]) {
      const own = `${name}&"${name}"`;
      for (const field of ["subject", "html", "text"] as const) {
        const expected = onePass(t[field], { ...shared, name, unsubscribe_url: before + own + after }, ENCODE[field]);
        const { filled, json } = fillPrepared(prepared, field, { name, unsubscribe_url: own });
        expect(filled, `${field} for ${name}`).toBe(expected);
        const { literals } = prepared[field];
        const pieces = literals.flatMap((literal, i) =>
          i < json.length ? [jsonInner(literal), json[i]!] : [jsonInner(literal)],
        );
        expect(`"${pieces.join("")}"`).toBe(JSON.stringify(expected));
      }
    }
    // Shared slots are filled in once: per reader only the name and the link's hole are left.
    expect(prepared.html.holes).toEqual(["name", "unsubscribe_url", "unsubscribe_url"]);
    expect(prepared.subject.holes).toEqual(["name", "unsubscribe_url"]);
  });

  it("refuse fixed text that breaks a line at the hole (the subject's rule joins a run of line breaks)", () => {
    expect(() => prepareTemplate(unique("before"), {}, { unsubscribe_url: ["https://x.test/\n", ""] })).toThrow(
      /unsubscribe_url/,
    );
    expect(() => prepareTemplate(unique("after"), {}, { unsubscribe_url: ["https://x.test/", "\r/x"] })).toThrow(
      /unsubscribe_url/,
    );
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

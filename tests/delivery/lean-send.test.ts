import { env } from "cloudflare:workers";
import { Resend } from "resend";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { readConfig } from "../../worker/config";
import { compiledCatalog } from "../../worker/content/catalog";
import { fillTemplate, jsonInner } from "../../worker/content/fill-template";
import { composePartEmail } from "../../worker/delivery/compose";
import { emailWebUrl } from "../../worker/lib/public-url";
import { signDeliveryTokens } from "../../worker/tokens";
import type { BatchMember } from "../../worker/delivery/delivery-queries";
import type { OutgoingEmail } from "../../worker/mail/create-mailer";
import { HOUR, mockResend, resetDatabase, runCycleAt, seedReaders } from "../helpers/delivery-helpers";

const T0 = Date.UTC(2026, 0, 5, 12, 0);
const provider = mockResend("lean-send");

/** Names a reader can type: JSON and HTML metacharacters, line separators, emoji, control characters. */
const NAUGHTY = [
  `Ada "the" O'Brien \\ back\\slash`,
  "</script><script>alert(1)</script>",
  "line\u2028sep\u2029para",
  "emoji 🦊👩‍👩‍👧 and é",
  "ctrl \u0000\u0001\u0007\b\t\n\v\f\r\u001b\u001f\u007f end",
  "{{{name}}} & {{{unsubscribe_url}}}",
  "  ",
];

interface Captured {
  url: string;
  body: string;
  headers: Headers;
}

/** Records every request the code under test makes (tests and worker share the isolate), then lets it through. */
function captureFetch(): Captured[] {
  const captured: Captured[] = [];
  const real = globalThis.fetch;
  vi.spyOn(globalThis, "fetch").mockImplementation((input: RequestInfo | URL, init?: RequestInit) => {
    const body = init?.body instanceof Uint8Array ? new TextDecoder().decode(init.body) : String(init?.body ?? "");
    captured.push({ url: String(input), body, headers: new Headers(init?.headers) });
    return real(input, init);
  });
  return captured;
}

const batchRequests = (captured: Captured[]) => captured.filter((c) => c.url.endsWith("/emails/batch"));

async function composeNaughty(names: string[], slug = "fixture-four"): Promise<OutgoingEmail[]> {
  const config = readConfig(env);
  const series = compiledCatalog.findSeries(slug)!;
  const part = series.parts[0]!;
  return Promise.all(
    names.map((toName, i) => {
      const member: BatchMember = {
        id: 1000 + i,
        subscriptionId: 2000 + i,
        subscriberId: 3000 + i,
        series: series.slug,
        partId: part.id,
        partNumber: 1,
        toEmail: `naughty${i}@example.com`,
        toName,
        timezone: null,
      };
      return composePartEmail(config, series, part, member);
    }),
  );
}

beforeEach(async () => {
  await resetDatabase();
  await provider.reset();
});
afterEach(() => vi.restoreAllMocks());

describe("the lean send path (pre-encoded batch body)", () => {
  it("sends what the resend SDK would send for the same emails, naughty names included", async () => {
    const emails = await composeNaughty([...NAUGHTY, "lone \ud800 surrogate"]);
    const captured = captureFetch();
    const ours = await provider.mailer().sendBatch(emails, "lean-key-1");
    expect(ours.kind).toBe("sent");

    // The SDK gets the plain fields only, under the same key.
    const fields = emails.map(({ json: _json, ...email }) => email);
    const sdk = new Resend("re_test_key", { baseUrl: provider.base });
    const { error } = await sdk.batch.send(fields, { idempotencyKey: "lean-key-1", batchValidation: "permissive" });
    expect(error).toBeNull();

    const [mine, theirs] = batchRequests(captured);
    expect(mine && theirs).toBeTruthy();
    expect(JSON.parse(mine!.body)).toEqual(JSON.parse(theirs!.body));
    expect(mine!.body).toBe(theirs!.body); // same bytes: a batch first sent by the SDK replays, never conflicts
    for (const name of ["authorization", "content-type", "idempotency-key", "x-batch-validation"]) {
      expect(mine!.headers.get(name), name).toBe(theirs!.headers.get(name));
    }
    expect(mine!.headers.get("x-batch-validation")).toBe("permissive");
    // The names arrived whole: the parsed body carries each one, HTML-escaped in the html.
    const parsed = JSON.parse(mine!.body) as { html: string; text: string }[];
    expect(parsed.map((email) => email.text.includes(NAUGHTY[0]!))).toContain(true);
    expect(parsed[1]!.html).toContain("&lt;/script&gt;&lt;script&gt;");
    expect(parsed[1]!.html).not.toContain("</script><script>alert");
    expect(await provider.stats()).toMatchObject({ batchRequests: 2, replays: 1, conflicts: 0 });
    expect(await provider.sent()).toHaveLength(emails.length);
  });

  it("a retried batch sends the same bytes under the same key, and the provider replays its answer", async () => {
    await seedReaders({ series: "fixture-four", count: NAUGHTY.length, prefix: "naughty", dueAt: T0 });
    const names = env.DB.prepare(`UPDATE subscribers SET name = ?1 WHERE email_key = ?2`);
    await env.DB.batch(NAUGHTY.map((name, i) => names.bind(name, `naughty${i + 1}@example.com`)));
    const captured = captureFetch();
    await provider.faults({ acceptThenHang: 1 });
    expect(await runCycleAt(T0, {}, { mailer: provider.mailer(100) })).toMatchObject({
      sent: 0,
      retrying: NAUGHTY.length,
    });

    await provider.faults({});
    expect(await runCycleAt(T0 + HOUR, {}, { mailer: provider.mailer() })).toMatchObject({
      sent: NAUGHTY.length,
      recovered: 1,
    });

    const [first, retry] = batchRequests(captured);
    expect(batchRequests(captured)).toHaveLength(2);
    expect(retry!.headers.get("idempotency-key")).toBe(first!.headers.get("idempotency-key"));
    expect(retry!.body).toBe(first!.body);
    expect(await provider.stats()).toMatchObject({ batchRequests: 2, replays: 1, conflicts: 0 });
    expect(await provider.sent()).toHaveLength(NAUGHTY.length);
  });

  it("fills each copy as one pass over the part's whole template would, with every slot given", async () => {
    const config = readConfig(env);
    // A public archive (the web link is the same for all) and a readers-only one (it carries the reader's token).
    for (const slug of ["fixture-four", "fixture-members"]) {
      const series = compiledCatalog.findSeries(slug)!;
      const emails = await composeNaughty(NAUGHTY, slug);
      expect(emails[0]!.text).toContain(slug === "fixture-members" ? "?t=" : `/p/${slug}/`);
      emails.forEach((email, i) => {
        const tokens = signDeliveryTokens(config.keyring, 1000 + i);
        const whole = fillTemplate(series.parts[0]!.email, {
          name: NAUGHTY[i]!.trim() || "there",
          base_url: config.publicUrl,
          unsubscribe_url: `${config.publicUrl}/u/${tokens.reader}`,
          preferences_url: `${config.publicUrl}/prefs/${tokens.reader}`,
          action_url: `${config.publicUrl}/a/${tokens.reader}/${series.slug}/${series.parts[0]!.id}`,
          referral_url: `${config.publicUrl}/s/${series.slug}?ref=${tokens.referral}`,
          web_url: emailWebUrl(config, series, series.parts[0]!.id, tokens.reader),
          postal_address: config.postalAddress,
        });
        expect({ subject: email.subject, html: email.html, text: email.text }).toEqual(whole);
      });
    }
  });

  it("per reader, writes only the reader's own strings: all a part's readers share is encoded once", async () => {
    const config = readConfig(env);
    const [email] = await composeNaughty([NAUGHTY[0]!]);
    const tokens = signDeliveryTokens(config.keyring, 1000);
    const strings = email!.json!.filter((piece) => typeof piece === "string");
    const own = new Set([
      tokens.reader,
      tokens.referral,
      jsonInner(NAUGHTY[0]!),
      jsonInner(`Ada &quot;the&quot; O&#39;Brien \\ back\\slash`),
      JSON.stringify(email!.to),
      "1000", // the delivery tag
    ]);
    expect(strings.filter((piece) => !own.has(piece))).toEqual([]);
    // The token in the headers, 7 holes in the html and 6 in the text of this part, the delivery tag, the recipient.
    expect(strings).toHaveLength(16);
  });

  it("answers as before: per-email errors, 429 with retry-after, 4xx, 5xx", async () => {
    const emails = await composeNaughty(["a", "b", "c"]);
    await provider.faults({ refuseTo: ["naughty1@example.com"] });
    const partly = await provider.mailer().sendBatch(emails, "k-permissive");
    expect(partly).toMatchObject({ kind: "sent", refused: [{ index: 1 }] });
    expect((partly as { ids: (string | null)[] }).ids.map((id) => id === null)).toEqual([false, true, false]);

    await provider.faults({ rateLimit: 1 });
    expect(await provider.mailer().sendBatch(emails, "k-429")).toEqual({
      kind: "rate_limited",
      retryAfterMs: 1000,
      message: "Injected 429",
    });
    await provider.faults({ error422: 1 });
    expect(await provider.mailer().sendBatch(emails, "k-422")).toEqual({
      kind: "rejected",
      status: 422,
      message: "Injected 422",
    });
    await provider.faults({ error500: 1 });
    expect(await provider.mailer().sendBatch(emails, "k-500")).toEqual({
      kind: "unknown",
      status: 500,
      message: "Injected 500",
    });
    await provider.faults({ acceptThenHang: 1 });
    expect(await provider.mailer(50).sendBatch(emails, "k-hang")).toMatchObject({ kind: "unknown", status: null });
  });
});

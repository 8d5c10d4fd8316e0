import { describe, expect, it } from "vitest";
import { deliveredReader } from "../helpers/reader-helpers";
import {
  adminFetch,
  BASE,
  DEFAULT_SERIES,
  escapeHtml,
  get,
  inOneRateWindow,
  postForm,
  uniqueIp,
  type ApiError,
} from "../helpers/route-helpers";
import { countRows, partStat, storedResponse } from "../helpers/rows";

const PROMPT = "What action did you take? Share your ideas — what will you do differently today?";

const respond = (token: string, response: string, options: Parameters<typeof postForm>[2] = {}) =>
  postForm(`/respond/${token}`, { response }, options);

/** The textarea's content as the browser will show it (hono/jsx escapes it). */
const textareaOf = (html: string) => /<textarea[^>]*>([\s\S]*?)<\/textarea>/.exec(html)?.[1];

describe("the response page", () => {
  it("GET /respond/:token shows the part's title, the prompt, an empty textarea and a same-site form", async () => {
    const reader = await deliveredReader();
    const res = await get(`/respond/${reader.tokens.reader}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1>The Opportunity</h1>");
    expect(html).toContain(`<label for="response">${escapeHtml(PROMPT)}</label>`);
    expect(html).toContain(`<form class="card" method="post" action="/respond/${reader.tokens.reader}">`);
    expect(html).toContain('maxlength="2000"');
    expect(textareaOf(html)).toBe("");
    expect(html).toContain("Send my response");
  });

  it("stores a response, thanks the reader, offers share links; coming back edits it, counted once", async () => {
    const reader = await deliveredReader();
    const before = await partStat(DEFAULT_SERIES, 1);

    const first = await respond(reader.tokens.reader, "I started a reading group at work.\r\nWe meet on Fridays.");
    expect(first.status).toBe(200);
    const thanks = await first.text();
    expect(thanks).toContain("<h1>Thank you</h1>");
    expect(thanks).toContain("I started a reading group at work.\nWe meet on Fridays.");
    const webUrl = `${BASE}/p/${DEFAULT_SERIES}/the-opportunity`; // by the part's id
    expect(thanks).toContain(`value="${webUrl}"`);
    expect(thanks).toContain(`https://www.linkedin.com/sharing/share-offsite/?url=${encodeURIComponent(webUrl)}`);
    expect(thanks).toContain(`https://x.com/intent/post?text=`);
    expect(thanks).toContain("mailto:?subject=");
    expect(thanks).toContain(`href="/respond/${reader.tokens.reader}">Edit your response</a>`);
    const stored = await storedResponse(reader.deliveryId);
    expect(stored!.body).toBe("I started a reading group at work.\nWe meet on Fridays.");
    expect((await partStat(DEFAULT_SERIES, 1)).responses - before.responses).toBe(1);

    // Back on the page: the form holds what they wrote, and sending again replaces it.
    const again = await (await get(`/respond/${reader.tokens.reader}`)).text();
    expect(textareaOf(again)).toBe("I started a reading group at work.\nWe meet on Fridays.");
    expect(again).toContain("Update my response");
    const edit = await respond(reader.tokens.reader, "  Changed my mind: a lunch group.  ");
    expect(edit.status).toBe(200);
    const edited = await storedResponse(reader.deliveryId);
    expect(edited!.body).toBe("Changed my mind: a lunch group.");
    expect(edited!.createdAt).toBe(stored!.createdAt);
    expect(edited!.updatedAt).toBeGreaterThanOrEqual(stored!.updatedAt);
    expect(await countRows("responses", "delivery_id = ?1", reader.deliveryId)).toBe(1);
    expect((await partStat(DEFAULT_SERIES, 1)).responses - before.responses).toBe(1);
  });

  it("2,000 characters at most (line breaks count once); above that a clear 400 that keeps the text", async () => {
    const reader = await deliveredReader();
    const exactly = `${"a".repeat(999)}\r\n${"b".repeat(1000)}`; // 2,000 characters in the textarea
    expect((await respond(reader.tokens.reader, exactly)).status).toBe(200);
    expect((await storedResponse(reader.deliveryId))!.body).toHaveLength(2000);

    const tooLong = "x".repeat(2001);
    const res = await respond(reader.tokens.reader, tooLong);
    expect(res.status).toBe(400);
    const html = await res.text();
    expect(html).toContain("Please keep your response under 2,000 characters.");
    expect(textareaOf(html)).toBe(tooLong);
    expect((await storedResponse(reader.deliveryId))!.body).toHaveLength(2000);

    // Emoji count as one character each, as people see them.
    expect((await respond(reader.tokens.reader, "😀".repeat(2000))).status).toBe(200);
  });

  it("an empty or blank response, a missing field or control characters are a 400", async () => {
    const reader = await deliveredReader();
    for (const body of ["", "   \r\n  "]) {
      const res = await respond(reader.tokens.reader, body);
      expect(res.status).toBe(400);
      expect(await res.text()).toContain("Please write your response.");
    }
    expect((await postForm(`/respond/${reader.tokens.reader}`, { other: "x" })).status).toBe(400);
    expect((await respond(reader.tokens.reader, "a\u0000b")).status).toBe(400);
    expect(await storedResponse(reader.deliveryId)).toBeNull();
  });

  it("a POST from another site, or without an Origin, is refused (CSRF) and stores nothing", async () => {
    const reader = await deliveredReader();
    for (const origin of ["https://evil.example", "null", null]) {
      const res = await respond(reader.tokens.reader, "from elsewhere", { origin });
      expect(res.status, String(origin)).toBe(403);
    }
    expect(await storedResponse(reader.deliveryId)).toBeNull();
  });

  it("naughty strings are stored as typed and escaped wherever shown", async () => {
    const naughty = [
      "<script>alert(1)</script>",
      '"><img src=x onerror=alert(1)>',
      "</textarea><script>alert(1)</script>",
      "'; DROP TABLE responses; --",
      "\u202Eexe.gnp & 😀 &amp; &lt;b&gt;",
    ];
    for (const body of naughty) {
      const reader = await deliveredReader();
      const res = await respond(reader.tokens.reader, body);
      expect(res.status).toBe(200);
      const thanks = await res.text();
      expect(thanks).toContain(escapeHtml(body));
      expect(thanks).not.toContain("<script>alert(1)");
      expect(thanks).not.toContain("<img src=x");
      expect((await storedResponse(reader.deliveryId))!.body).toBe(body);
      const form = await (await get(`/respond/${reader.tokens.reader}`)).text();
      expect(textareaOf(form)).toBe(escapeHtml(body));
      expect(form).not.toContain("<script>alert(1)");
    }
  });

  it("is rate-limited per client address", async () => {
    const reader = await deliveredReader();
    const statuses = await inOneRateWindow(60, async (ip) => {
      const seen: number[] = [];
      for (let i = 0; i < 6; i++) seen.push((await respond(reader.tokens.reader, `attempt ${i}`, { ip })).status);
      return seen;
    });
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    expect((await respond(reader.tokens.reader, "another network", { ip: uniqueIp() })).status).toBe(200);
  });

  it("a bad token is a 400 page; a part without a response call to action is a 404", async () => {
    const reader = await deliveredReader();
    for (const token of [reader.tokens.referral, `${reader.tokens.reader}x`, "nope"]) {
      expect((await get(`/respond/${token}`)).status).toBe(400);
      expect((await respond(token, "hello")).status).toBe(400);
    }
    const linkPart = await deliveredReader({ series: "fixture-four", part: 1 });
    const res = await get(`/respond/${linkPart.tokens.reader}`);
    expect(res.status).toBe(404);
    expect(await res.text()).toContain("This part does not ask for a response.");
    expect((await respond(linkPart.tokens.reader, "hello")).status).toBe(404);
  });
});

interface ResponsesPage {
  data: {
    id: number;
    series: string;
    part: number;
    email: string;
    body: string;
    createdAt: string;
    updatedAt: string;
  }[];
  has_more: boolean;
  next_cursor: string | null;
}

describe("GET /admin/api/responses", () => {
  it("lists responses newest first with the reader's address and part, cursor-paginated, filtered", async () => {
    const readers = [await deliveredReader(), await deliveredReader(), await deliveredReader()];
    for (const [i, reader] of readers.entries()) {
      // Equal updated_at values (same millisecond) are ordered by id: still newest first.
      expect((await respond(reader.tokens.reader, `admin list ${i}`)).status).toBe(200);
    }
    const res = await adminFetch(`/admin/api/responses?series=${DEFAULT_SERIES}&part=1&limit=2`);
    expect(res.status).toBe(200);
    const page1 = (await res.json()) as ResponsesPage;
    expect(page1.data.map((r) => r.body)).toEqual(["admin list 2", "admin list 1"]);
    expect(page1.data[0]).toMatchObject({ series: DEFAULT_SERIES, part: 1, email: readers[2]!.email });
    expect(page1.next_cursor).toMatch(/^\d+-\d+$/);
    const page2 = (await (
      await adminFetch(`/admin/api/responses?series=${DEFAULT_SERIES}&part=1&limit=2&cursor=${page1.next_cursor}`)
    ).json()) as ResponsesPage;
    expect(page2.data[0]!.body).toBe("admin list 0");

    const none = (await (await adminFetch("/admin/api/responses?series=fixture-four")).json()) as ResponsesPage;
    expect(none).toEqual({ data: [], has_more: false, next_cursor: null });
  });

  it("needs the admin token, and answers bad parameters with a 400", async () => {
    expect((await adminFetch("/admin/api/responses", { token: null })).status).toBe(401);
    for (const query of [
      "limit=0",
      "limit=1000",
      "part=0",
      "part=x",
      "cursor=abc",
      "cursor=1-2-3",
      `series=${"x".repeat(101)}`,
    ]) {
      const res = await adminFetch(`/admin/api/responses?${query}`);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as ApiError).error.code).toBe("BAD_REQUEST");
    }
  });
});

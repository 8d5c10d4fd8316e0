import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { signConfirmToken } from "../../worker/tokens";
import { signIn } from "../dashboard/dashboard-helpers";
import { readerTokenOf } from "../helpers/reader-helpers";
import {
  ADMIN_TOKEN,
  BASE,
  signUp,
  signUpAndConfirm,
  testKeyring,
  uniqueEmail,
  uniqueIp,
} from "../helpers/route-helpers";
import { countRows } from "../helpers/rows";

/** One malformed request body: a content type (null = none) and the bytes sent. */
interface BadBody {
  label: string;
  type: string | null;
  body: BodyInit;
}

const bytes = (...values: number[]) => new Uint8Array(values);
const utf8 = (text: string) => new TextEncoder().encode(text);
const join = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
};

const CORPUS: BadBody[] = [
  { label: "multipart without a boundary", type: "multipart/form-data", body: "email=a%40example.com" },
  { label: "multipart with an empty boundary", type: "multipart/form-data; boundary=", body: "--\r\n\r\n" },
  {
    label: "multipart whose body has no parts",
    type: "multipart/form-data; boundary=XYZ",
    body: "not multipart at all",
  },
  {
    label: "multipart cut off mid-part",
    type: "multipart/form-data; boundary=XYZ",
    body: '--XYZ\r\nContent-Disposition: form-data; name="email"\r\n\r\na@exa',
  },
  {
    label: "multipart with a part that has no name",
    type: "multipart/form-data; boundary=XYZ",
    body: "--XYZ\r\nContent-Disposition: form-data\r\n\r\nx\r\n--XYZ--\r\n",
  },
  {
    label: "multipart with invalid UTF-8 in a field",
    type: "multipart/form-data; boundary=XYZ",
    body: join(
      utf8('--XYZ\r\nContent-Disposition: form-data; name="email"\r\n\r\n'),
      bytes(0xff, 0xfe, 0x41),
      utf8("\r\n--XYZ--\r\n"),
    ),
  },
  {
    label: "urlencoded with raw invalid UTF-8",
    type: "application/x-www-form-urlencoded",
    body: join(utf8("email="), bytes(0xc3, 0x28, 0xff)),
  },
  {
    label: "urlencoded with a %-escape of invalid UTF-8",
    type: "application/x-www-form-urlencoded",
    body: "email=%FF%FE&name=%C0%AF",
  },
  {
    label: "urlencoded with a broken %-escape",
    type: "application/x-www-form-urlencoded",
    body: "email=%E0%A4%A&name=%",
  },
  {
    label: "urlencoded in another charset",
    type: "application/x-www-form-urlencoded; charset=iso-8859-1",
    body: "name=Zo%EB",
  },
  {
    label: "JSON with invalid UTF-8",
    type: "application/json",
    body: join(utf8('{"email":"'), bytes(0xed, 0xa0, 0x80), utf8('"}')),
  },
  { label: "JSON cut off", type: "application/json", body: '{"email": "a@example.com"' },
  { label: "JSON: a bare string", type: "application/json", body: '"a@example.com"' },
  { label: "JSON: null", type: "application/json", body: "null" },
  { label: "JSON: an array", type: "application/json", body: '[{"email":"a@example.com"}]' },
  { label: "JSON nested 100,000 deep", type: "application/json", body: "[".repeat(100_000) + "]".repeat(100_000) },
  { label: "JSON with a 1e999 number", type: "application/json", body: '{"email": 1e999, "dryRun": 1e999}' },
  {
    label: "JSON in UTF-16",
    type: "application/json; charset=utf-16",
    body: bytes(0xff, 0xfe, 0x7b, 0x00, 0x7d, 0x00),
  },
  { label: "no content type", type: null, body: "email=a%40example.com" },
  { label: "text/plain", type: "text/plain", body: "email=a@example.com" },
  { label: "application/xml", type: "application/xml", body: "<email>a@example.com</email>" },
  { label: "application/octet-stream", type: "application/octet-stream", body: bytes(0, 1, 2, 255) },
  { label: "a content type that is not one", type: "%%%; ;;; =", body: "x" },
  {
    label: "a body over every limit (300 KB)",
    type: "application/x-www-form-urlencoded",
    body: `email=${"a".repeat(300 * 1024)}`,
  },
  {
    label: "a body over the route limits (20 KB of JSON)",
    type: "application/json",
    body: JSON.stringify({ email: "a@example.com", name: "x".repeat(20 * 1024) }),
  },
  { label: "a NUL-filled body", type: "application/x-www-form-urlencoded", body: new Uint8Array(2048) },
];

/** Every POST route of the Worker, with the headers a legitimate caller would send (so only the body is bad). */
async function postRoutes(): Promise<{ path: string; headers: Record<string, string> }[]> {
  const reader = await signUpAndConfirm(uniqueEmail("bad-bodies"));
  const pending = await signUp(uniqueEmail("bad-bodies-pending"));
  const unsubscribe = await readerTokenOf(reader.subscriber.id);
  const consent = await env.DB.prepare("SELECT id FROM consents WHERE subscriber_id = ?1")
    .bind(pending.subscriber.id)
    .first<{ id: number }>();
  const confirm = await signConfirmToken(testKeyring(), consent!.id, Date.now() + 3600_000);
  const site = { origin: BASE };
  return [
    { path: "/subscribe", headers: site },
    { path: `/confirm/${confirm}`, headers: site },
    { path: `/u/${unsubscribe}`, headers: {} },
    { path: `/resubscribe/${unsubscribe}`, headers: site },
    // The preference page's buttons (the token would ride in the body).
    { path: "/prefs/pause", headers: site },
    { path: "/prefs/erase/confirm", headers: site },
    { path: "/admin/api/send", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    { path: "/admin/api/series/fixture-four/pause", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    { path: "/admin/api/series/fixture-four/resume", headers: { authorization: `Bearer ${ADMIN_TOKEN}` } },
    {
      path: "/webhooks/resend",
      headers: {
        "svix-id": "msg_bad",
        "svix-timestamp": String(Math.floor(Date.now() / 1000)),
        "svix-signature": "v1,AAAA",
      },
    },
    // Routes that take no POST, and unknown ones, must not break either.
    { path: "/", headers: site },
    // The dashboard: its sign-in form, and an action with a signed-in session (cookie, same origin).
    { path: "/admin/sign-in", headers: site },
    { path: "/admin/series/fixture-four/pause", headers: { ...site, cookie: (await signIn()).cookie } },
    { path: "/no/such/route", headers: site },
  ];
}

function send(path: string, headers: Record<string, string>, bad: BadBody, accept?: string) {
  const h = new Headers({ ...headers, "cf-connecting-ip": uniqueIp() });
  if (bad.type !== null) h.set("content-type", bad.type);
  if (accept) h.set("accept", accept);
  return SELF.fetch(`${BASE}${path}`, { method: "POST", headers: h, body: bad.body, redirect: "manual" });
}

describe("malformed request bodies are a 4xx on every route, never a 5xx", () => {
  // About 600 requests: seconds on an idle machine, more on a busy one.
  it("the whole corpus against every POST route, as a browser and as an API client", async () => {
    const routes = await postRoutes();
    const failures: string[] = [];
    for (const route of routes) {
      for (const bad of CORPUS) {
        for (const accept of [undefined, "application/json"]) {
          const res = await send(route.path, route.headers, bad, accept);
          await res.body?.cancel();
          if (res.status >= 500)
            failures.push(`${res.status} POST ${route.path.slice(0, 40)} ${bad.label} (${accept ?? "html"})`);
        }
      }
    }
    expect(failures).toEqual([]);
  }, 60_000); // hundreds of requests: seconds on a loaded machine, not a hang

  it("on /subscribe each of them is a clear 4xx and stores nothing", async () => {
    const before = await countRows("subscribers");
    for (const bad of CORPUS) {
      const res = await send("/subscribe", { origin: BASE }, bad, "application/json");
      expect(res.status, bad.label).toBeGreaterThanOrEqual(400);
      expect(res.status, bad.label).toBeLessThan(500);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.message, bad.label).toBeTruthy();
    }
    expect(await countRows("subscribers")).toBe(before);
  });

  it("multipart without a boundary (a 500 before) is a 400 that says why", async () => {
    const res = await send("/subscribe", { origin: BASE }, CORPUS[0]!, "application/json");
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toContain("boundary");
  });

  it("odd paths and parameters on GET routes never answer 5xx", async () => {
    const { confirmLink } = await signUp(uniqueEmail("bad-get"));
    const token = confirmLink.slice(confirmLink.lastIndexOf("/") + 1);
    const paths = [
      "/?a=%FF",
      "/?%%=%%",
      `/?x=${"a".repeat(10_000)}`,
      "/s/%00",
      "/s/%FF",
      "/s/..%2F..%2Fetc",
      "/p/x/%FF",
      "/p/origins-of-lead-change/99999999999999999999",
      "/p/origins-of-lead-change/-1",
      "/confirm/",
      "/confirm/%",
      "/confirm/%FF.%FF",
      `/confirm/${token}?extra=%FF`,
      `/confirm/${token}/more`,
      "/unsubscribe/..%2f..",
      "/unsubscribe/%E0%A4%A",
      "/admin/api/subscribers?limit=%FF",
      "/admin/api/subscribers?cursor=1e999&status=%00",
      "/admin/api/outbox?cursor=99999999999999999999-1",
      "/admin/outbox/%FF",
      "/admin/api/stats?series=%FF",
      "/admin/api/stats?series=..%2F",
      "//",
      "/%2e%2e/",
    ];
    const failures: string[] = [];
    for (const path of paths) {
      for (const method of ["GET", "HEAD"]) {
        const res = await SELF.fetch(`${BASE}${path}`, {
          method,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "cf-connecting-ip": uniqueIp() },
          redirect: "manual",
        });
        await res.body?.cancel();
        if (res.status >= 500) failures.push(`${res.status} ${method} ${path.slice(0, 60)}`);
      }
    }
    expect(failures).toEqual([]);
  });
});

describe("each route states its own body limit (nothing at the door knows a path)", () => {
  it("one byte over the route's limit is a 413; the CSV import's own 8 MB lets a larger body through", async () => {
    const routes = await postRoutes();
    const limits: Record<string, number> = {
      "/subscribe": 16 * 1024,
      "/confirm/": 4 * 1024,
      "/u/": 4 * 1024,
      "/resubscribe/": 4 * 1024,
      "/prefs/pause": 4 * 1024,
      "/admin/api/send": 4 * 1024,
      "/webhooks/resend": 256 * 1024,
      "/admin/sign-in": 4 * 1024,
      "/admin/series/fixture-four/pause": 8 * 1024, // the dashboard's forms
    };
    for (const [prefix, limit] of Object.entries(limits)) {
      const route = routes.find((r) => r.path.startsWith(prefix))!;
      const over = { label: "over", type: "application/x-www-form-urlencoded", body: `x=${"a".repeat(limit - 1)}` };
      const res = await send(route.path, route.headers, over, "application/json");
      expect(res.status, prefix).toBe(413);
      await res.body?.cancel();
    }
    // Over the forms' limit and the 256 KB the door once applied to every route: the import reads it.
    const csv = `email\n${"a".repeat(300 * 1024)}@example.com\n`;
    const res = await SELF.fetch(`${BASE}/admin/api/subscribers/import`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, "content-type": "text/csv", "cf-connecting-ip": uniqueIp() },
      body: csv,
    });
    expect(res.status).not.toBe(413);
    await res.body?.cancel();
  });
});

import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { recordDeadLetters } from "../../worker/feedback/dead-letters";
import { adminApi } from "../../worker/routes/admin-api/admin-api";
import {
  ADMIN_TOKEN,
  adminFetch,
  adminSend,
  BASE,
  postForm,
  signUpAndConfirm,
  uniqueEmail,
} from "../helpers/route-helpers";
import { deliveredReader } from "../helpers/reader-helpers";
import { declaredRoutes, expectApiError, expectDeclared } from "../helpers/admin-api-helpers";

interface Doc {
  openapi: string;
  servers: { url: string }[];
  security: Record<string, string[]>[];
  paths: Record<string, Record<string, { tags?: string[]; responses: Record<string, unknown> }>>;
  components: { securitySchemes: Record<string, { type: string; scheme: string }> };
}

/** Served by the composition itself, not operations of the API: the document and its reference page. */
const NOT_OPERATIONS = ["GET /openapi.json", "GET /docs"];

async function fetchDoc(): Promise<Doc> {
  const res = await adminFetch("/admin/api/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

/** Every operation of the document as "METHOD /path/{param}". */
const operationsOf = (doc: Doc) =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
  );

/** A concrete URL for a documented path: every {param} filled with a plausible value. */
const concrete = (path: string) =>
  `/admin/api${path.replace("{series}", "origins-of-lead-change").replace("{part}", "1").replace("{id}", "1")}`;

describe("GET /admin/api/openapi.json", () => {
  it("is an OpenAPI 3.1 document with the bearer scheme, required on every operation", async () => {
    const doc = await fetchDoc();
    expect(doc.openapi).toBe("3.1.0");
    expect(doc.servers).toEqual([{ url: "/admin/api" }]);
    expect(doc.components.securitySchemes.adminToken).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.security).toEqual([{ adminToken: [] }]);
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        expect(op.tags, `${method} ${path}`).toHaveLength(1);
        // Every operation documents its own answer and the errors every admin call may give.
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(expect.arrayContaining(["400", "401", "429"]));
        expect(
          Object.keys(op.responses).some((status) => /^2\d\d$/.test(status)),
          `${method} ${path}`,
        ).toBe(true);
      }
    }
  });

  it("holds every route of the admin app, and nothing the app does not serve", async () => {
    const doc = await fetchDoc();
    // Hono lists a route once per handler (middleware, validators, the handler itself): one entry per method+path.
    const served = new Set(
      adminApi.routes
        .filter((route) => route.method !== "ALL")
        .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`)
        .filter((route) => !NOT_OPERATIONS.includes(route)),
    );
    expect(operationsOf(doc).sort()).toEqual([...served].sort());
    // The contract's routes, by name: a route dropped from the app fails here too.
    expect(operationsOf(doc)).toEqual(
      expect.arrayContaining([
        "GET /subscribers",
        "GET /subscribers/{id}",
        "PATCH /subscribers/{id}",
        "DELETE /subscribers/{id}",
        "GET /subscribers/{id}/export",
        "GET /series",
        "POST /series/{series}/pause",
        "POST /series/{series}/resume",
        "GET /preview/{series}/{part}",
        "POST /test-send",
        "POST /send",
        "GET /deliveries",
        "GET /stats",
        "GET /responses",
        "GET /feedback/dead",
        "GET /batches",
        "GET /outbox",
      ]),
    );
    expect(declaredRoutes()).toHaveLength(operationsOf(doc).length);
  });

  it("every documented operation answers 401 without the token, and with a wrong one", async () => {
    const doc = await fetchDoc();
    const operations = operationsOf(doc);
    expect(operations.length).toBeGreaterThanOrEqual(16);
    for (const operation of [...operations, ...NOT_OPERATIONS.filter((op) => op !== "GET /docs")]) {
      const [method, path] = operation.split(" ") as [string, string];
      const init = {
        method,
        headers: { "content-type": "application/json" },
        body: method === "GET" ? undefined : "{}",
      };
      await expectApiError(await adminFetch(concrete(path), { ...init, token: null }), 401, "UNAUTHORIZED");
      await expectApiError(await adminFetch(concrete(path), { ...init, token: "wrong-token" }), 401, "UNAUTHORIZED");
    }
  });
});

describe("every operation's answer matches its declared schema", () => {
  it("each GET without a path parameter answers 200 with a body its schema accepts", async () => {
    // Rows in every list, so items are checked too, not only empty pages.
    await adminSend({ subscriber: (await signUpAndConfirm(uniqueEmail("sweep"))).email });
    const reader = await deliveredReader();
    expect((await postForm(`/respond/${reader.tokens.reader}`, { response: "sweep" })).status).toBe(200);
    await recordDeadLetters({ db: env.DB, clock: Date.now }, [
      [`sweep-${crypto.randomUUID()}`, "msg_sweep", "email.delivered", null, 0],
    ]);
    const gets = operationsOf(await fetchDoc()).filter((op) => op.startsWith("GET ") && !op.includes("{"));
    expect(gets.length).toBeGreaterThanOrEqual(7);
    const empty: string[] = [];
    for (const op of gets) {
      const path = op.slice(4);
      if (path === "/subscribers/export.csv") {
        // The one answer that is not JSON: a CSV whose header row is the documented one (tests/subscribers/export-csv).
        const res = await adminFetch(`/admin/api${path}`);
        expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
        expect((await res.text()).split("\r\n")[0]).toMatch(/^email,name,status,/);
        continue;
      }
      const body = await expectDeclared<{ data?: unknown[] }>(await adminFetch(`/admin/api${path}`), "get", path);
      if (body.data?.length === 0) empty.push(path);
    }
    expect(empty).toEqual(["/batches"]); // nothing set aside here: batches have their own test (admin-lists)
  });

  it("series pause and resume answer their declared state", async () => {
    const paused = await expectDeclared<{ paused: boolean; changed: boolean }>(
      await adminFetch("/admin/api/series/fixture-four/pause", { method: "POST" }),
      "post",
      "/series/{series}/pause",
    );
    expect(paused).toMatchObject({ paused: true, changed: true });
    const resumed = await expectDeclared<{ paused: boolean; changed: boolean }>(
      await adminFetch("/admin/api/series/fixture-four/resume", { method: "POST" }),
      "post",
      "/series/{series}/resume",
    );
    expect(resumed).toMatchObject({ paused: false, changed: true });
  });
});

describe("GET /admin/api/docs", () => {
  it("needs the token: 401 asking for Basic auth in a browser", async () => {
    const res = await SELF.fetch(`${BASE}/admin/api/docs`, { headers: { accept: "text/html" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
    const wrong = await SELF.fetch(`${BASE}/admin/api/docs`, {
      headers: { authorization: `Basic ${btoa("admin:nope")}` },
    });
    expect(wrong.status).toBe(401);
  });

  it("renders every operation, grouped by tag, on the server, with no script", async () => {
    const doc = await fetchDoc();
    for (const authorization of [`Basic ${btoa(`admin:${ADMIN_TOKEN}`)}`, `Bearer ${ADMIN_TOKEN}`]) {
      const res = await adminFetch("/admin/api/docs", { token: null, headers: { authorization } });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/html/);
      const html = await res.text();
      expect(html).not.toMatch(/<script/i);
      for (const tag of ["Subscribers", "Series", "Sending", "Previews", "Feedback"])
        expect(html).toContain(`<h2>${tag}</h2>`);
      for (const operation of operationsOf(doc)) expect(html).toContain(`<code>${operation}</code>`);
      expect(html).toContain('id="schema-Error"');
    }
  });
});

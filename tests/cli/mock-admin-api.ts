import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for the admin API on 127.0.0.1 (port 0), with the contract's shapes: pages
 * `{ data, has_more, next_cursor }`, errors `{ error: { code, message, requestId } }`. It records every request.
 */
export const MOCK_TOKEN = "mock-admin-token-0123456789abcdef0123";

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export const SUBSCRIBERS = [5, 4, 3, 2, 1].map((id) => ({
  id,
  email: `reader${id}@example.com`,
  // Reader 3 carries a terminal escape sequence: the table must show it, not obey it.
  name: id === 3 ? "Zoë \u001b[31mred" : `Reader ${id}`,
  status: "active",
  timezone: "UTC",
  createdAt: `2026-11-0${id}T00:00:00.000Z`,
  confirmedAt: null,
  series: [{ series: "fixture-four", status: "active", nextPart: id }],
}));

/** What the export streams, in several chunks; a multi-byte character split across two of them on purpose. */
export const EXPORT_CHUNKS = [
  Buffer.from("id,email,name,status\n1,reader1@example.com,Reader 1,active\n2,reader2@example.com,\"Zo"),
  Buffer.from([0xc3]),
  Buffer.from([0xab, ...Buffer.from(', \"\"quoted\"\"\",active\n3,reader3@example.com,,paused\n')]),
];

const IMPORT_ROWS = [
  { row: 2, email: "new@example.com", outcome: "active", message: null },
  { row: 3, email: "not-an-address", outcome: "invalid", message: "email: not an email address" },
  { row: 4, email: "x@example.com", outcome: "invalid", message: "timezone: not an IANA timezone" },
  { row: 5, email: "reader1@example.com", outcome: "duplicate", message: "already subscribed" },
  { row: 6, email: "gone@example.com", outcome: "suppressed", message: "erased on request" },
  { row: 7, email: "later@example.com", outcome: "pending", message: "no consent date: confirmation sent" },
] as const;

export const PREVIEW = { html: "<!doctype html><p>Part 2 of fixture-four, for Ada</p>", text: "Part 2 of fixture-four, for Ada\n" };

export async function startMockAdminApi() {
  const requests: RecordedRequest[] = [];
  /** Import jobs by Idempotency-Key: the same key answers the same job. */
  const jobs = new Map<string, { id: string; polls: number }>();
  let requestCount = 0;

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url!, "http://127.0.0.1");
    const request = { method: req.method!, path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks) };
    requests.push(request);
    const requestId = `req-${++requestCount}`;
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, code: string, message: string) => json(status, { error: { code, message, requestId } });

    if (req.headers.authorization !== `Bearer ${MOCK_TOKEN}`) return fail(401, "UNAUTHORIZED", "Wrong admin token.");
    const route = `${req.method} ${url.pathname.replace(/^\/admin\/api/, "")}`;
    let m: RegExpExecArray | null;

    if (route === "GET /subscribers") {
      const start = url.searchParams.has("cursor") ? SUBSCRIBERS.findIndex((s) => String(s.id) === url.searchParams.get("cursor")) + 1 : 0;
      const limit = Number(url.searchParams.get("limit") ?? 2);
      const data = SUBSCRIBERS.slice(start, start + limit);
      const hasMore = start + limit < SUBSCRIBERS.length;
      return json(200, { data, has_more: hasMore, next_cursor: hasMore ? String(data.at(-1)!.id) : null });
    }
    if (route === "POST /send") {
      const body = JSON.parse(request.body.toString() || "{}") as { dryRun?: boolean; series?: string };
      if (body.series === "nope") return fail(400, "BAD_REQUEST", 'series: no series "nope" in the catalog.');
      return json(200, { dryRun: body.dryRun, due: 3, sent: body.dryRun ? 0 : 3, deferred: 0, refused: 0, failed: 0, setAside: 0, retrying: 0, rateLimited: false, perPart: body.dryRun ? {} : { "fixture-four/1": 3 }, errors: [] });
    }
    if (route === "GET /stats") {
      return json(200, {
        series: [
          {
            series: "fixture-four", title: "Fixture Four", subscribers: { active: 4, paused: 1 }, caughtUp: 1, paused: false, pauseReason: null,
            parts: [
              { part: 1, id: "fixture-part-1", title: "Fixture part 1", sent: 17, delivered: 16, opened: 9, humanClicks: 4, responses: 2, unsubscribes: 1, bounces: 0, complaints: 0, waiting: 0 },
              { part: 2, id: "fixture-part-2", title: "Fixture part 2", sent: 11, delivered: 11, opened: 5, humanClicks: 3, responses: 0, unsubscribes: 0, bounces: 1, complaints: 0, waiting: 3 },
            ],
          },
        ],
      });
    }
    if (route === "POST /subscribers/import") {
      if (req.headers["content-type"] !== "text/csv") return fail(415, "UNSUPPORTED_MEDIA_TYPE", "Send the CSV as text/csv.");
      const key = String(req.headers["idempotency-key"] ?? "");
      const job = jobs.get(key) ?? { id: `imp_${jobs.size + 1}`, polls: 0 };
      jobs.set(key, job);
      return json(202, { job: jobView(job) });
    }
    if ((m = /^GET \/imports\/([^/]+)$/.exec(route))) {
      const job = [...jobs.values()].find((j) => j.id === m![1]);
      if (!job) return fail(404, "NOT_FOUND", "No such import.");
      job.polls += 1;
      return json(200, jobView(job));
    }
    if ((m = /^GET \/imports\/([^/]+)\/rows$/.exec(route))) {
      // One row a page, so the CLI has to follow next_cursor.
      const rows = IMPORT_ROWS.filter((r) => !url.searchParams.get("outcome") || r.outcome === url.searchParams.get("outcome"));
      const start = Number(url.searchParams.get("cursor") ?? 0);
      const hasMore = start + 1 < rows.length;
      return json(200, { data: rows.slice(start, start + 1), has_more: hasMore, next_cursor: hasMore ? String(start + 1) : null });
    }
    if (route === "GET /subscribers/export.csv") {
      res.writeHead(200, { "content-type": "text/csv; charset=utf-8" });
      for (const chunk of EXPORT_CHUNKS) {
        res.write(chunk);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return res.end();
    }
    if ((m = /^GET \/preview\/([^/]+)\/(\d+)$/.exec(route))) {
      if (m[1] !== "fixture-four") return fail(404, "NOT_FOUND", `series: no series "${m[1]}" in the catalog.`);
      const format = url.searchParams.get("format") === "text" ? "text" : "html";
      res.writeHead(200, { "content-type": format === "text" ? "text/plain; charset=utf-8" : "text/html; charset=utf-8" });
      return res.end(PREVIEW[format]);
    }
    return fail(404, "NOT_FOUND", `No route ${route}.`);
  });

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    /** Idempotent: a test may close it early to have nothing listening on the port. */
    close: () =>
      new Promise<void>((resolve) => {
        if (!server.listening) return resolve();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The job moves on with each poll: queued, running 3/6, done. */
function jobView(job: { id: string; polls: number }) {
  const processed = Math.min(job.polls * 3, 6);
  const status = job.polls === 0 ? "queued" : processed < 6 ? "running" : "done";
  const done = status === "done";
  return {
    id: job.id, status, total: 6, processed, active: done ? 1 : 0, pending: done ? 1 : 0, skipped: done ? 4 : 0,
    createdAt: "2026-11-30T00:00:00.000Z", finishedAt: done ? "2026-11-30T00:00:01.000Z" : null,
  };
}

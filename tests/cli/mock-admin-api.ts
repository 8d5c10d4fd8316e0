import { createServer, type IncomingHttpHeaders } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * A stand-in for the admin API on 127.0.0.1 (port 0), answering what the real one answers (bodies, status codes,
 * headers): tests/local/admin-cli.test.ts checks these answers against the real Worker's OpenAPI document.
 * It records every request.
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
  series: [{ series: "fixture-four", status: "active", nextPart: id, dueAt: `2026-12-0${id}T08:00:00.000Z` }],
}));

/** What the export streams (CRLF line ends, as the API writes them), in several chunks; a multi-byte character split across two of them on purpose. */
export const EXPORT_CHUNKS = [
  Buffer.from(
    "email,name,status,timezone,created_at,confirmed_at,series,subscription_status,next_part,due_at\r\n" +
      "reader1@example.com,Reader 1,active,UTC,2026-11-01T00:00:00.000Z,2026-11-01T00:05:00.000Z,fixture-four,active,1,2026-12-01T08:00:00.000Z\r\n" +
      'reader2@example.com,"Zo',
  ),
  Buffer.from([0xc3]),
  Buffer.from([
    0xab,
    ...Buffer.from(
      ', ""quoted""",paused,,2026-11-02T00:00:00.000Z,,fixture-four,paused,2,\r\nreader3@example.com,,pending,,2026-11-03T00:00:00.000Z,,,,,\r\n',
    ),
  ]),
];

const IMPORT_ROWS = [
  { row: 2, email: "new@example.com", outcome: "active", message: null },
  { row: 3, email: "not-an-address", outcome: "invalid", message: "email: not an email address" },
  { row: 4, email: "x@example.com", outcome: "invalid", message: "timezone: not an IANA timezone" },
  { row: 5, email: "reader1@example.com", outcome: "duplicate", message: "already subscribed" },
  { row: 6, email: "gone@example.com", outcome: "suppressed", message: "erased on request" },
  { row: 7, email: "later@example.com", outcome: "pending", message: "no consent date: confirmation sent" },
] as const;

/** Import job ids are UUIDs, like the real ones (the API validates them). */
export const importJobId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;

/** What the API sends with a preview besides its type: no script may run, nothing is cached. */
const PREVIEW_HEADERS = {
  "content-security-policy":
    "default-src 'none'; img-src https: data:; style-src 'unsafe-inline'; font-src https: data:; sandbox",
  "cache-control": "private, no-store",
};

export const PREVIEW = {
  html: "<!doctype html><p>Part 2 of fixture-four, for Ada</p>",
  text: "Part 2 of fixture-four, for Ada\n",
};

export async function startMockAdminApi() {
  const requests: RecordedRequest[] = [];
  /** Import jobs by Idempotency-Key: the same key answers the same job. */
  const jobs = new Map<string, { id: string; polls: number }>();
  let requestCount = 0;

  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url!, "http://127.0.0.1");
    const request = {
      method: req.method!,
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      body: Buffer.concat(chunks),
    };
    requests.push(request);
    const requestId = `req-${++requestCount}`;
    res.setHeader("x-request-id", requestId);
    const json = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    const fail = (status: number, code: string, message: string, headers: Record<string, string> = {}) =>
      json(status, { error: { code, message, requestId } }, headers);

    // Hono's bearerAuth, with our error shape.
    if (!req.headers.authorization) {
      return fail(401, "UNAUTHORIZED", "Send Authorization: Bearer <ADMIN_TOKEN>.", {
        "www-authenticate": 'Bearer realm=""',
      });
    }
    if (req.headers.authorization !== `Bearer ${MOCK_TOKEN}`) {
      return fail(401, "UNAUTHORIZED", "Wrong admin token.", { "www-authenticate": 'Bearer error="invalid_token"' });
    }
    const route = `${req.method} ${url.pathname.replace(/^\/admin\/api/, "")}`;
    let m: RegExpExecArray | null;

    if (route === "GET /subscribers") {
      const start = url.searchParams.has("cursor")
        ? SUBSCRIBERS.findIndex((s) => String(s.id) === url.searchParams.get("cursor")) + 1
        : 0;
      const limit = Number(url.searchParams.get("limit") ?? 2);
      const data = SUBSCRIBERS.slice(start, start + limit);
      const hasMore = start + limit < SUBSCRIBERS.length;
      return json(200, { data, has_more: hasMore, next_cursor: hasMore ? String(data.at(-1)!.id) : null });
    }
    if (route === "POST /send") {
      const body = JSON.parse(request.body.toString() || "{}") as { dryRun?: boolean; series?: string };
      if (body.series === "nope") return fail(404, "NOT_FOUND", 'series: no series "nope" in the catalog.');
      // A dry run's perPart counts who is due; a real run's, who was sent.
      const dryRun = body.dryRun ?? false;
      return json(200, {
        dryRun,
        mailer: "outbox",
        due: 3,
        sent: dryRun ? 0 : 3,
        deferred: 0,
        failed: 0,
        retrying: 0,
        refused: 0,
        setAside: 0,
        errors: [],
        queued: 0,
        recovered: 0,
        rateLimited: false,
        retryAfterMs: null,
        perPart: { "fixture-four/1": 3 },
        providerRequests: dryRun ? 0 : 1,
        d1: { statements: 4, rowsRead: 12, rowsWritten: dryRun ? 0 : 9 },
      });
    }
    if (route === "POST /test-send") {
      const body = JSON.parse(request.body.toString() || "{}") as { to?: string; series?: string; part?: number };
      if (!body.to?.includes("@"))
        return fail(400, "BAD_REQUEST", "to: Please enter a valid email address, like name@example.com.");
      if (body.series !== "fixture-four")
        return fail(404, "NOT_FOUND", `series: no series "${body.series}" in the catalog.`);
      return json(200, {
        sent: true,
        subject: `[Test] Fixture Four, Part ${body.part}: Fixture part ${body.part}`,
        providerMessageId: "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9",
      });
    }
    if (route === "GET /stats") {
      return json(200, {
        series: [
          {
            series: "fixture-four",
            title: "Fixture Four",
            subscribers: { active: 4, pending: 0, paused: 1, stopped: 0 },
            caughtUp: 1,
            paused: false,
            pauseReason: null,
            parts: [
              {
                part: 1,
                id: "fixture-part-1",
                title: "Fixture part 1",
                publishAt: null,
                sent: 17,
                delivered: 16,
                opened: 9,
                humanClicks: 4,
                responses: 2,
                unsubscribes: 1,
                bounces: 0,
                complaints: 0,
                waiting: 0,
                delayed: 0,
                scannerClicks: 1,
                failed: 0,
                referrals: 0,
              },
              {
                part: 2,
                id: "fixture-part-2",
                title: "Fixture part 2",
                publishAt: null,
                sent: 11,
                delivered: 11,
                opened: 5,
                humanClicks: 3,
                responses: 0,
                unsubscribes: 0,
                bounces: 1,
                complaints: 0,
                waiting: 3,
                delayed: 0,
                scannerClicks: 0,
                failed: 0,
                referrals: 0,
              },
            ],
            pausedAt: null,
            complaintGuard: { threshold: 2, window: 1000, complaintsInWindow: null, checkedAt: null },
            stillReading: { rule: { afterParts: 4, graceDays: 7, countOpens: false }, asked: 3, kept: 1, paused: 1 },
          },
        ],
        notes: {
          opened: "Unreliable: mail privacy proxies (Apple Mail, Gmail's image cache) open every email they fetch.",
        },
        openedUnreliable: true,
        d1: { statements: 4, rowsRead: 20, rowsWritten: 0 },
      });
    }
    if (route === "GET /growth") {
      const days = Number(url.searchParams.get("days") ?? 30);
      if (days !== 30 && days !== 90)
        return fail(400, "BAD_REQUEST", 'days: Invalid option: expected one of "30"|"90"');
      if (url.searchParams.get("series") && url.searchParams.get("series") !== "fixture-four")
        return fail(404, "NOT_FOUND", "series: no such series in the catalog.");
      // Up to 2026-12-01: a busy day, a quiet one, and one reader who left.
      const counts = (i: number) => ({
        signups: i === days - 1 ? 5 : i === days - 3 ? 2 : 0,
        confirmations: i === days - 1 ? 3 : 0,
        unsubscribes: i === days - 3 ? 1 : 0,
      });
      const list = Array.from({ length: days }, (_, i) => ({
        day: new Date(Date.UTC(2026, 11, 1) - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10),
        ...counts(i),
      }));
      return json(200, {
        days,
        from: list[0]!.day,
        to: "2026-12-01",
        series: [
          {
            series: "fixture-four",
            title: "Fixture Four",
            totals: { signups: 7, confirmations: 3, unsubscribes: 1 },
            days: list,
          },
        ],
        d1: { statements: 1, rowsRead: 5, rowsWritten: 0 },
      });
    }
    if (route === "POST /subscribers/import") {
      if (req.headers["content-type"] !== "text/csv")
        return fail(415, "UNSUPPORTED_MEDIA_TYPE", "Send the CSV as text/csv.");
      const key = String(req.headers["idempotency-key"] ?? "");
      const replayed = jobs.get(key);
      const job = replayed ?? { id: importJobId(jobs.size + 1), polls: 0 };
      jobs.set(key, job);
      return json(202, { job: jobView(job) }, replayed ? { "idempotent-replayed": "true" } : {});
    }
    m = /^GET \/imports\/([^/]+)$/.exec(route);
    if (m) {
      const job = [...jobs.values()].find((j) => j.id === m![1]);
      if (!job) return fail(404, "NOT_FOUND", "There is no import with that id.");
      job.polls += 1;
      return json(200, jobView(job));
    }
    m = /^GET \/imports\/([^/]+)\/rows$/.exec(route);
    if (m) {
      // One row a page, so the CLI has to follow next_cursor.
      const rows = IMPORT_ROWS.filter(
        (r) => !url.searchParams.get("outcome") || r.outcome === url.searchParams.get("outcome"),
      );
      const start = Number(url.searchParams.get("cursor") ?? 0);
      const hasMore = start + 1 < rows.length;
      return json(200, {
        data: rows.slice(start, start + 1),
        has_more: hasMore,
        next_cursor: hasMore ? String(start + 1) : null,
      });
    }
    if (route === "GET /subscribers/export.csv") {
      res.writeHead(200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": 'attachment; filename="subscribers-2026-11-30.csv"',
        "cache-control": "no-store",
      });
      for (const chunk of EXPORT_CHUNKS) {
        res.write(chunk);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return res.end();
    }
    m = /^GET \/preview\/([^/]+)\/(\d+)$/.exec(route);
    if (m) {
      if (m[1] !== "fixture-four") return fail(404, "NOT_FOUND", `series: no series "${m[1]}" in the catalog.`);
      if (Number(m[2]) > 2) return fail(404, "NOT_FOUND", `part: series "${m[1]}" has 2 part(s).`);
      const format = url.searchParams.get("format") === "text" ? "text" : "html";
      res.writeHead(200, {
        "content-type": format === "text" ? "text/plain; charset=UTF-8" : "text/html; charset=UTF-8",
        ...PREVIEW_HEADERS,
      });
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
    id: job.id,
    status,
    total: 6,
    processed,
    active: done ? 1 : 0,
    pending: done ? 1 : 0,
    skipped: done ? 4 : 0,
    createdAt: "2026-11-30T00:00:00.000Z",
    finishedAt: done ? "2026-11-30T00:00:01.000Z" : null,
  };
}

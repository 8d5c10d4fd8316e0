import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { seeded } from "./seeded-random";

/**
 * A local stand-in for Resend's API, used by tests (globalSetup) and `npm run bench`. It honours
 * Idempotency-Key as Resend documents: same key + same payload → the original answer without sending again;
 * same key + another payload → 409. Faults can be injected over HTTP (POST /__control) to prove exactly-once.
 */
export interface Faults {
  /** Probability of a 500 answered before anything is accepted. */
  error500?: number;
  /** Probability of a 429 with retry-after, before anything is accepted. */
  rateLimit?: number;
  /** Probability of a 422 (a definite refusal of the whole batch), before anything is accepted. */
  error422?: number;
  /**
   * Probability that the batch IS accepted but the answer never arrives: it is held until the client gives up,
   * so it is a timeout however slow the machine is (no race between the client's timeout and a delay here).
   */
  acceptThenHang?: number;
  seed?: number;
  /**
   * Resend's team rate limit: a token bucket of `rps` requests, refilled at `rps` a second; beyond it → 429
   * (counted in stats.limited429). 0 or absent: unlimited.
   */
  rps?: number;
  /**
   * Recipients the provider's validation refuses. Strict batches (the default) are refused whole with 422;
   * with `x-batch-validation: permissive` the others are sent and the refused ones listed in `errors`.
   */
  refuseTo?: string[];
}

export interface AcceptedEmail {
  id: string;
  key: string | null;
  to: string;
  subject: string;
  headers: Record<string, string>;
  html: string;
  text: string;
  tags: { name: string; value: string }[];
  seq: number;
  acceptedAt: number;
}

export interface MockResend {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Each test file may use its own namespace (base URL `${url}/t/<name>`), so parallel files don't collide. */
function createState() {
  return {
    faults: {} as Faults,
    random: seeded(1),
    accepted: [] as AcceptedEmail[],
    stats: {
      requests: 0,
      batchRequests: 0,
      replays: 0,
      conflicts: 0,
      faults500: 0,
      faults429: 0,
      faults422: 0,
      hangs: 0,
      limited429: 0,
      refused: 0,
    },
    keys: new Map<string, { payload: string; answer: unknown }>(),
    bucket: { tokens: 0, at: 0 },
    seq: 0,
  };
}

export function startMockResend(port = 0, options: { keepBodies?: boolean } = {}): Promise<MockResend> {
  const states = new Map<string, ReturnType<typeof createState>>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const body = await readBody(req);
    const scoped = /^\/t\/([^/]+)(\/.*)$/.exec(req.url ?? "");
    const namespace = scoped ? scoped[1]! : "";
    const url = scoped ? scoped[2]! : req.url;
    if (!states.has(namespace)) states.set(namespace, createState());
    const state = states.get(namespace)!;
    const reset = () => states.set(namespace, createState());
    const { stats, keys, accepted } = state;
    const send = (status: number, value: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(value));
    };
    if (url === "/__reset" && req.method === "POST") {
      reset();
      return send(200, { ok: true });
    }
    if (url === "/__control" && req.method === "POST") {
      state.faults = JSON.parse(body || "{}") as Faults;
      state.random = seeded(state.faults.seed ?? 1);
      state.bucket = { tokens: state.faults.rps ?? 0, at: Date.now() };
      return send(200, { ok: true });
    }
    if (url === "/__stats") return send(200, stats);
    if (url === "/__sent") {
      return send(
        200,
        accepted.map(({ html, text, ...rest }) => (options.keepBodies === false ? rest : { ...rest, html, text })),
      );
    }
    if (req.method !== "POST" || (url !== "/emails/batch" && url !== "/emails")) {
      return send(404, { name: "not_found", message: "Unknown endpoint", statusCode: 404 });
    }
    stats.requests += 1;
    if (!String(req.headers.authorization ?? "").startsWith("Bearer ")) {
      return send(401, { name: "missing_api_key", message: "Missing API key", statusCode: 401 });
    }
    const isBatch = url === "/emails/batch";
    if (isBatch) stats.batchRequests += 1;
    const emails = (isBatch ? JSON.parse(body) : [JSON.parse(body)]) as Record<string, unknown>[];
    if (!Array.isArray(emails) || emails.length === 0 || emails.length > 100) {
      return send(422, { name: "validation_error", message: "A batch holds 1 to 100 emails", statusCode: 422 });
    }
    const key = (req.headers["idempotency-key"] as string | undefined) ?? null;
    if (key) {
      const earlier = keys.get(key);
      if (earlier && earlier.payload !== body) {
        stats.conflicts += 1;
        return send(409, {
          name: "invalid_idempotent_request",
          message: "Same key, different payload",
          statusCode: 409,
        });
      }
      if (earlier) {
        stats.replays += 1;
        return send(200, earlier.answer);
      }
    }
    const faults = state.faults;
    if (faults.rps) {
      const { bucket } = state;
      const now = Date.now();
      bucket.tokens = Math.min(faults.rps, bucket.tokens + ((now - bucket.at) / 1000) * faults.rps);
      bucket.at = now;
      if (bucket.tokens < 1) {
        stats.limited429 += 1;
        return send(
          429,
          { name: "rate_limit_exceeded", message: "Too many requests", statusCode: 429 },
          { "retry-after": "1" },
        );
      }
      bucket.tokens -= 1;
    }
    const refuse = new Set((faults.refuseTo ?? []).map((to) => to.toLowerCase()));
    const refusedAt = emails.flatMap((email, index) => (refuse.has(String(email.to).toLowerCase()) ? [index] : []));
    const permissive = isBatch && req.headers["x-batch-validation"] === "permissive";
    if (refusedAt.length > 0 && !permissive) {
      stats.refused += refusedAt.length;
      return send(422, {
        name: "validation_error",
        message: `Invalid \`to\` field at index ${refusedAt[0]}`,
        statusCode: 422,
      });
    }
    const roll = state.random();
    if (roll < (faults.error500 ?? 0)) {
      stats.faults500 += 1;
      return send(500, { name: "internal_server_error", message: "Injected 500", statusCode: 500 });
    }
    if (roll < (faults.error500 ?? 0) + (faults.rateLimit ?? 0)) {
      stats.faults429 += 1;
      return send(
        429,
        { name: "rate_limit_exceeded", message: "Injected 429", statusCode: 429 },
        { "retry-after": "1" },
      );
    }
    if (roll < (faults.error500 ?? 0) + (faults.rateLimit ?? 0) + (faults.error422 ?? 0)) {
      stats.faults422 += 1;
      return send(422, { name: "validation_error", message: "Injected 422", statusCode: 422 });
    }
    stats.refused += refusedAt.length;
    const ids = emails.map(() => crypto.randomUUID());
    const sentIds = ids.filter((_, i) => !refusedAt.includes(i));
    const answer = !isBatch
      ? { id: ids[0] }
      : permissive
        ? {
            data: sentIds.map((id) => ({ id })),
            errors: refusedAt.map((index) => ({ index, message: "Invalid `to` field" })),
          }
        : { data: ids.map((id) => ({ id })) };
    if (key) keys.set(key, { payload: body, answer });
    const now = Date.now();
    emails.forEach((email, i) => {
      if (refusedAt.includes(i)) return;
      accepted.push({
        id: ids[i]!,
        key,
        to: String(email.to),
        subject: String(email.subject),
        headers: (email.headers ?? {}) as Record<string, string>,
        html: options.keepBodies === false ? "" : String(email.html ?? ""),
        text: options.keepBodies === false ? "" : String(email.text ?? ""),
        tags: (email.tags ?? []) as { name: string; value: string }[],
        seq: state.seq++,
        acceptedAt: now,
      });
    });
    if (
      roll <
      (faults.error500 ?? 0) + (faults.rateLimit ?? 0) + (faults.error422 ?? 0) + (faults.acceptThenHang ?? 0)
    ) {
      stats.hangs += 1;
      return; // never answered; the connection closes when the client times out
    }
    return send(200, answer);
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error) => {
      res.writeHead(400, { "content-type": "application/json" });
      res.end(JSON.stringify({ name: "validation_error", message: String(error), statusCode: 400 }));
    });
  });
  server.keepAliveTimeout = 60_000;
  return new Promise((resolve) => {
    server.listen(port, "127.0.0.1", () => {
      const actual = (server.address() as AddressInfo).port;
      resolve({
        url: `http://127.0.0.1:${actual}`,
        port: actual,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

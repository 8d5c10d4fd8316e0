/**
 * A profiling entry point for `npm run bench` (scenario "profile"): runs the REAL runDeliveryCycle on the same
 * local D1 and mock Resend, but with an instrumented meter (rows read/written and time per SQL statement of
 * worker/delivery/queries.ts), a timed mailer and the isolate's templateStats. Never deployed: it is bundled by
 * a throw-away wrangler config the bench writes into its temp dir.
 */
import { templateStats } from "../../worker/content/fill-template";
import type { DeliveryContext } from "../../worker/delivery/context";
import { runDeliveryCycle } from "../../worker/delivery/cycle";
import { D1Meter } from "../../worker/delivery/d1-meter";
import { cycleOptions, createDeliveryContext } from "../../worker/delivery/index";
import { sql } from "../../worker/delivery/queries";
import type { Env } from "../../worker/env";

/**
 * Workers' clock only moves at I/O: a zero timer first, so the JS that ran just before (compose, scheduling)
 * is not billed to the D1 call or the provider call that follows it.
 */
let tickEnabled = true;
const tick = () => (tickEnabled ? new Promise<void>((resolve) => setTimeout(resolve, 0)) : Promise.resolve());

const nameOf = new Map<string, string>(Object.entries(sql).map(([name, text]) => [text, name]));
const sqlOf = new WeakMap<object, string>();

export interface StatementStats {
  calls: number;
  rowsRead: number;
  rowsWritten: number;
}
export interface GroupStats {
  calls: number;
  ms: number;
}

/** Remembers which SQL each prepared (and bound) statement came from. */
function tag<T extends D1PreparedStatement>(statement: T, text: string): T {
  sqlOf.set(statement, text);
  const bind = statement.bind.bind(statement);
  (statement as { bind: D1PreparedStatement["bind"] }).bind = (...values: unknown[]) => tag(bind(...values), text);
  return statement;
}

function taggingDb(db: D1Database): D1Database {
  return new Proxy(db, {
    get(target, property) {
      if (property === "prepare") return (text: string) => tag(target.prepare(text), text);
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === "function" ? (value as (...a: unknown[]) => unknown).bind(target) : value;
    },
  });
}

class RecordingMeter extends D1Meter {
  statementsBySql = new Map<string, StatementStats>();
  groups = new Map<string, GroupStats>();
  d1Ms = 0;

  private record(statements: D1PreparedStatement[], results: D1Result<unknown>[], ms: number) {
    const names = statements.map((s) => {
      const text = sqlOf.get(s) ?? "?";
      return nameOf.get(text) ?? text.replace(/\s+/g, " ").slice(0, 60);
    });
    names.forEach((name, i) => {
      const stats = this.statementsBySql.get(name) ?? { calls: 0, rowsRead: 0, rowsWritten: 0 };
      stats.calls += 1;
      stats.rowsRead += results[i]?.meta.rows_read ?? 0;
      stats.rowsWritten += results[i]?.meta.rows_written ?? 0;
      this.statementsBySql.set(name, stats);
    });
    const key = names.join(" + ");
    const group = this.groups.get(key) ?? { calls: 0, ms: 0 };
    group.calls += 1;
    group.ms += ms;
    this.groups.set(key, group);
    this.d1Ms += ms;
  }

  override async all<T>(statement: D1PreparedStatement): Promise<T[]> {
    await tick();
    const t0 = performance.now();
    const result = await statement.all<T>();
    this.record([statement], [result], performance.now() - t0);
    // Keep the parent's totals right.
    this.statements += 1;
    this.rowsRead += result.meta.rows_read ?? 0;
    this.rowsWritten += result.meta.rows_written ?? 0;
    return result.results;
  }

  override async batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    await tick();
    const t0 = performance.now();
    const results = await super.batch<T>(statements);
    this.record(statements, results as D1Result<unknown>[], performance.now() - t0);
    return results;
  }
}

/**
 * What-if for the throughput analysis: the provider call with serialization taken out. The JSON body of the
 * first batch (same size and shape) is encoded once and re-posted for every batch of that size, straight
 * through fetch, as a stand-in for a body assembled from pre-encoded template bytes. Never a real mailer.
 */
function prebuiltBodyMailer(env: Env) {
  const bodies = new Map<number, Uint8Array>();
  return async (emails: Parameters<DeliveryContext["mailer"]["sendBatch"]>[0], key: string) => {
    let body = bodies.get(emails.length);
    if (!body) {
      body = new TextEncoder().encode(JSON.stringify(emails));
      bodies.set(emails.length, body);
    }
    const res = await fetch(`${env.RESEND_BASE_URL}/emails/batch`, {
      method: "POST",
      headers: { authorization: `Bearer ${env.RESEND_API_KEY}`, "content-type": "application/json", "idempotency-key": key },
      body,
    });
    const json = (await res.json()) as { data?: { id: string }[]; message?: string };
    if (!res.ok || !json.data) return { kind: "unknown" as const, status: res.status, message: json.message ?? "no data" };
    return { kind: "sent" as const, ids: json.data.map((d) => d.id) };
  };
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      return await handle(request, env);
    } catch (error) {
      return Response.json({ error: error instanceof Error ? `${error.stack ?? error.message}` : String(error) }, { status: 500 });
    }
  },
};

async function handle(request: Request, env: Env): Promise<Response> {
  {
    const url = new URL(request.url);
    if (url.pathname === "/ping") return new Response("ok");
    if (request.method === "POST" && url.pathname === "/sql") {
      // Statement experiments (bench development): one D1 batch, rows read/written per statement.
      const { statements } = (await request.json()) as { statements: { sql: string; params?: unknown[] }[] };
      const results = await env.DB.batch(statements.map((s) => env.DB.prepare(s.sql).bind(...(s.params ?? []))));
      return Response.json(results.map((r) => ({ rows: r.results.length, first: r.results[0] ?? null, rowsRead: r.meta.rows_read, rowsWritten: r.meta.rows_written })));
    }
    if (request.method !== "POST" || url.pathname !== "/profile") return new Response("not found", { status: 404 });
    const { concurrency, whatIf, split = true } = (await request.json()) as {
      concurrency?: number;
      whatIf?: "prebuilt-body";
      /** Zero-timer before each timed call (needed for the time split; off for throughput comparisons). */
      split?: boolean;
    };
    tickEnabled = split;

    const base = createDeliveryContext(env);
    const meter = new RecordingMeter(taggingDb(env.DB));
    let mailerMs = 0;
    let mailerCalls = 0;
    const send = whatIf === "prebuilt-body" ? prebuiltBodyMailer(env) : base.mailer.sendBatch.bind(base.mailer);
    const mailer = {
      name: base.mailer.name,
      async sendBatch(...args: Parameters<DeliveryContext["mailer"]["sendBatch"]>) {
        await tick();
        const t0 = performance.now();
        try {
          return await send(...args);
        } finally {
          mailerMs += performance.now() - t0;
          mailerCalls += 1;
        }
      },
    };
    const ctx: DeliveryContext = { ...base, meter, mailer };
    const compilesBefore = templateStats.compiles;
    const t0 = performance.now();
    const summary = await runDeliveryCycle(ctx, cycleOptions(env, concurrency ? { concurrency } : {}));
    const wallMs = performance.now() - t0;
    return Response.json({
      summary,
      wallMs,
      d1Ms: meter.d1Ms,
      mailerMs,
      mailerCalls,
      templateCompiles: templateStats.compiles - compilesBefore,
      statements: Object.fromEntries(meter.statementsBySql),
      groups: Object.fromEntries(meter.groups),
    });
  }
}

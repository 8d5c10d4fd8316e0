/**
 * The one D1 wrapper tests hand to the code under test in place of the real binding: it records every statement
 * prepared (SQL and values), counts round trips, statements and rows, and can fail or delay chosen statements or
 * batches. Nothing in the Worker knows. Also here: the query plan of a statement (`explain`, `expectNoScans`).
 */
import { env } from "cloudflare:workers";
import { expect } from "vitest";
import { sql as cycleSql } from "../../worker/delivery/delivery-queries";

/** A statement as the code under test prepared it: its SQL and the values bound to it. */
export type BoundStatement = { query: string; args: unknown[] };

/** What a verb asked of D1: calls made (a batch is one call) and statements run. */
export interface D1Counts {
  calls: number;
  statements: number;
}

/** Rows D1 reports written by the batches (what the free plan caps at 100,000 a day), read by them and by `all()`/`run()`, and each batched statement's meta. */
export interface D1Writes {
  rowsWritten: number;
  rowsRead: number;
  statements: { changes: number; rowsRead: number }[];
}

type RunMethod = "first" | "all" | "run" | "raw";

export interface RecordingOptions {
  /** The SQL really prepared for a statement (e.g. pointed at a table that does not exist, to make it fail). */
  prepareAs?: (query: string) => string;
  /** Around each statement run on its own: call `run` to send it; throw, or do something first or after. */
  onRun?: (statement: BoundStatement, method: RunMethod, run: () => Promise<unknown>) => Promise<unknown>;
  /** Around each batch (one transaction): call `run` to send it; throw before it (refused) or after (crashed). */
  onBatch?: (statements: BoundStatement[], run: () => Promise<D1Result[]>) => Promise<D1Result[]>;
}

export interface RecordingD1 {
  /** Give this to the code under test. */
  db: D1Database;
  /** Every statement prepared, in order, with the values last bound to it. */
  statements: BoundStatement[];
  counts: D1Counts;
  writes: D1Writes;
}

const RUN_METHODS = new Set<PropertyKey>(["first", "all", "run", "raw"]);

/** Wraps `db` (the test's real D1 unless given; another wrapper stacks). */
export function recordingD1(db: D1Database = env.DB, options: RecordingOptions = {}): RecordingD1 {
  const statements: BoundStatement[] = [];
  const counts: D1Counts = { calls: 0, statements: 0 };
  const writes: D1Writes = { rowsWritten: 0, rowsRead: 0, statements: [] };
  // batch() takes only the runtime's own statements: each proxy maps back to the one it wraps, and to what it holds.
  const real = new WeakMap<object, D1PreparedStatement>();
  const held = new WeakMap<object, BoundStatement>();
  const forward = <T extends object>(target: T, key: PropertyKey) => {
    const value = Reflect.get(target, key) as unknown;
    return typeof value === "function" ? value.bind(target) : value;
  };
  const wrap = (statement: D1PreparedStatement, bound: BoundStatement, prepared: BoundStatement) => {
    const proxy = new Proxy(statement, {
      get(inner, key) {
        if (key === "bind") {
          return (...args: unknown[]) => {
            prepared.args = args;
            return wrap(inner.bind(...args), { query: bound.query, args }, prepared);
          };
        }
        if (!RUN_METHODS.has(key)) return forward(inner, key);
        const method = key as RunMethod;
        return async (...args: unknown[]) => {
          counts.calls++;
          counts.statements++;
          const send = () => (inner[method] as (...a: unknown[]) => Promise<unknown>)(...args);
          const result = await (options.onRun ? options.onRun(bound, method, send) : send());
          if (method === "all" || method === "run") writes.rowsRead += (result as D1Result).meta.rows_read ?? 0;
          return result;
        };
      },
    });
    real.set(proxy, statement);
    held.set(proxy, bound);
    return proxy;
  };
  const wrapped = new Proxy(db, {
    get(target, key) {
      if (key === "prepare") {
        return (query: string) => {
          const prepared: BoundStatement = { query, args: [] };
          statements.push(prepared);
          return wrap(target.prepare(options.prepareAs?.(query) ?? query), { query, args: [] }, prepared);
        };
      }
      if (key === "batch") {
        return async (batch: D1PreparedStatement[]) => {
          counts.calls++;
          counts.statements += batch.length;
          const send = () => target.batch(batch.map((statement) => real.get(statement) ?? statement));
          const what = batch.map((statement) => held.get(statement) ?? { query: "", args: [] });
          const results = await (options.onBatch ? options.onBatch(what, send) : send());
          for (const result of results) {
            writes.rowsWritten += result.meta.rows_written ?? 0;
            writes.statements.push({ changes: result.meta.changes, rowsRead: result.meta.rows_read ?? 0 });
            writes.rowsRead += result.meta.rows_read ?? 0;
          }
          return results;
        };
      }
      return forward(target, key);
    },
  });
  return { db: wrapped, statements, counts, writes };
}

/**
 * Statements matching `fails` throw when run, alone or in a batch (the batch then fails whole): a crash in the
 * middle of a request.
 */
export function failingOn(db: D1Database, fails: (query: string) => boolean): D1Database {
  const crash = () => Promise.reject(new Error("injected D1 failure"));
  return recordingD1(db, {
    onRun: (statement, _method, run) => (fails(statement.query) ? crash() : run()),
    onBatch: (statements, run) => (statements.some((s) => fails(s.query)) ? crash() : run()),
  }).db;
}

/**
 * Each batch goes through unless `fault` says otherwise: "refuse" fails it (nothing written, as a poison
 * statement would), "crash" lets it commit and then fails the caller (a consumer dying between its batch and its ack).
 */
export function faultyBatches(
  db: D1Database,
  fault: (statements: BoundStatement[]) => "refuse" | "crash" | null,
): D1Database {
  return recordingD1(db, {
    onBatch: async (statements, run) => {
      const what = fault(statements);
      if (what === "refuse") throw new Error("injected: the transaction was refused");
      const results = await run();
      if (what === "crash") throw new Error("injected: crashed after the transaction committed");
      return results;
    },
  }).db;
}

/**
 * The transaction recording a batch as sent (the cycle's markBatchSent) fails for the batch ids in
 * `crashOnRecord`, once each: the crash between the provider's answer and our record.
 */
export function crashingOnRecord(db: D1Database, crashOnRecord: Set<string>): D1Database {
  return recordingD1(db, {
    onBatch: (statements, run) => {
      for (const { query, args } of statements) {
        if (query === cycleSql.markBatchSent && crashOnRecord.delete(String(args[0]))) {
          return Promise.reject(new Error(`injected crash before recording ${String(args[0])}`));
        }
      }
      return run();
    },
  }).db;
}

/** A plan step that reads one of `tables` whole (a SCAN not served by an index): what a hot statement must never do. */
export const wholeTableScan = (tables: readonly string[]): RegExp =>
  new RegExp(`^SCAN (${tables.join("|")})\\b(?! USING (COVERING )?INDEX)`);

/** Values for every `?N` of a statement (as many as its highest N), the i-th (from 0) being `fill(i)`. */
export const argsFor = (query: string, fill: (i: number) => unknown = () => 1): unknown[] =>
  Array.from({ length: Math.max(0, ...(query.match(/\?\d+/g) ?? []).map((p) => Number(p.slice(1)))) }, (_, i) =>
    fill(i),
  );

/** SQLite's plan for a statement with these values, one line per step ("SEARCH t USING INDEX …"). */
export async function explain(query: string, args: unknown[] = []): Promise<string[]> {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${query}`)
    .bind(...args)
    .all<{ detail: string }>();
  return results.map((row) => row.detail);
}

/**
 * Each recorded statement, explained with its own values: no table is scanned whole (json_each walks bound
 * JSON), but the small ones named in `small` (e.g. part_refs: one row per part of the catalog).
 */
export async function expectNoScans(statements: BoundStatement[], small: string[] = []) {
  expect(statements.length).toBeGreaterThan(0);
  for (const { query, args } of statements) {
    const details = await explain(query, args);
    for (const detail of details) {
      if (small.some((table) => detail === `SCAN ${table}`)) continue;
      expect(detail, `${query.replace(/\s+/g, " ").slice(0, 120)}: ${details.join(" | ")}`).not.toMatch(
        /^SCAN (?!CONSTANT ROW)\S+(?! USING (COVERING )?INDEX| VIRTUAL TABLE)( |$)/,
      );
    }
  }
}

import { sql } from "../../worker/delivery/delivery-queries";

/**
 * A D1 binding that fails the transaction recording a batch (the one that marks it sent) for the batch ids in
 * `crashOnRecord`, once each: the crash between the provider's answer and our record, without a hook in the
 * Worker. Everything else goes to the real database.
 */
export function crashingOnRecord(db: D1Database, crashOnRecord: Set<string>): D1Database {
  return interceptBatches(db, (statements, run) => {
    for (const { query, args } of statements) {
      if (query === sql.markBatchSent && crashOnRecord.delete(String(args[0]))) {
        return Promise.reject(new Error(`injected crash before recording ${String(args[0])}`));
      }
    }
    return run();
  });
}

/**
 * A D1 binding whose statements matching `fails` throw when run (alone or in a batch): a crash in the middle
 * of a request, without a hook in the Worker. Everything else goes to the real database.
 */
export function failingOn(db: D1Database, fails: (query: string) => boolean): D1Database {
  const doomed = new WeakSet<object>();
  const crash = () => Promise.reject(new Error("injected D1 failure"));
  const doom = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(inner, key) {
        if (key === "bind") return (...args: unknown[]) => doom(inner.bind(...args));
        if (key === "first" || key === "all" || key === "run" || key === "raw") return crash;
        const value = Reflect.get(inner, key) as unknown;
        return typeof value === "function" ? value.bind(inner) : value;
      },
    });
    doomed.add(proxy);
    return proxy;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare")
        return (query: string) => (fails(query) ? doom(target.prepare(query)) : target.prepare(query));
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) =>
          statements.some((s) => doomed.has(s)) ? crash() : target.batch(statements);
      }
      const value = Reflect.get(target, prop) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** What a batch held: each statement's SQL and the values bound to it. */
export type BoundStatement = { query: string; args: unknown[] };

/**
 * A D1 binding whose batches go to the real database unless `fault` says otherwise for one: "refuse" fails it
 * (nothing written, as a poison statement would), "crash" lets it commit and then fails the caller (a consumer
 * dying between its D1 batch and its ack). Nothing in the Worker knows.
 */
export function faultyBatches(
  db: D1Database,
  fault: (statements: BoundStatement[]) => "refuse" | "crash" | null,
): D1Database {
  return interceptBatches(db, async (statements, run) => {
    const what = fault(statements);
    if (what === "refuse") throw new Error("injected: the transaction was refused");
    const results = await run();
    if (what === "crash") throw new Error("injected: crashed after the transaction committed");
    return results;
  });
}

/** The real D1, its batch() handed to `onBatch` with each statement's SQL and bound values, and `run` to send it. */
function interceptBatches(
  db: D1Database,
  onBatch: (statements: BoundStatement[], run: () => Promise<D1Result[]>) => Promise<D1Result[]>,
): D1Database {
  const bound = new WeakMap<D1PreparedStatement, BoundStatement>();
  const forward = <T extends object>(target: T, prop: PropertyKey) => {
    const value = Reflect.get(target, prop) as unknown;
    return typeof value === "function" ? value.bind(target) : value;
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") {
        return (query: string) =>
          new Proxy(target.prepare(query), {
            get(inner, key) {
              if (key !== "bind") return forward(inner, key);
              return (...args: unknown[]) => {
                const result = inner.bind(...args);
                bound.set(result, { query, args });
                return result;
              };
            },
          });
      }
      if (prop === "batch") {
        return (statements: D1PreparedStatement[]) =>
          onBatch(
            statements.map((statement) => bound.get(statement) ?? { query: "", args: [] }),
            () => target.batch(statements),
          );
      }
      return forward(target, prop);
    },
  });
}

/**
 * The D1 binding, counting round trips (a batch is one): what the feedback consumer logs per batch, so an
 * operator (and the scale bench, reading `wrangler dev`'s output) sees what each event costs the one writer.
 */
export function countD1Calls(d1: D1Database): { db: D1Database; calls: () => number } {
  let calls = 0;
  // batch() takes only the runtime's own statements: each proxy maps back to the statement it wraps.
  const real = new WeakMap<object, D1PreparedStatement>();
  const forward = <T extends object>(target: T, key: PropertyKey) => {
    const value = Reflect.get(target, key) as unknown;
    return typeof value === "function" ? value.bind(target) : value;
  };
  const wrap = (statement: D1PreparedStatement): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(inner, key) {
        if (key === "bind") return (...args: unknown[]) => wrap(inner.bind(...args));
        if (key === "first" || key === "all" || key === "run" || key === "raw") calls++;
        return forward(inner, key);
      },
    });
    real.set(proxy, statement);
    return proxy;
  };
  const db = new Proxy(d1, {
    get(target, key) {
      if (key === "prepare") return (query: string) => wrap(target.prepare(query));
      if (key === "batch") {
        return (statements: D1PreparedStatement[]) => {
          calls++;
          return target.batch(statements.map((statement) => real.get(statement) ?? statement));
        };
      }
      return forward(target, key);
    },
  });
  return { db, calls: () => calls };
}

/** What a verb asked of D1: calls made (a batch is one call) and statements run. */
export interface D1Counts {
  calls: number;
  statements: number;
}

/** Rows D1 reports written by the batches (what the free plan caps at 100,000 a day), read by them and by `all()`, and each batched statement's meta. */
export interface D1Writes {
  rowsWritten: number;
  rowsRead: number;
  statements: { changes: number; rowsRead: number }[];
}

/** The real D1 binding, counting: the verb under test gets it as its dependency, nothing in the Worker changes. */
export function countingD1(db: D1Database): { db: D1Database; counts: D1Counts; writes: D1Writes } {
  const counts: D1Counts = { calls: 0, statements: 0 };
  const writes: D1Writes = { rowsWritten: 0, rowsRead: 0, statements: [] };
  const forward = <T extends object>(target: T, prop: PropertyKey) => {
    const value = Reflect.get(target, prop) as unknown;
    return typeof value === "function" ? value.bind(target) : value;
  };
  const wrapStatement = (
    statement: D1PreparedStatement,
    real: WeakMap<object, D1PreparedStatement>,
  ): D1PreparedStatement => {
    const proxy = new Proxy(statement, {
      get(inner, key) {
        if (key === "bind") return (...args: unknown[]) => wrapStatement(inner.bind(...args), real);
        if (key === "first" || key === "all" || key === "run" || key === "raw") {
          return async (...args: unknown[]) => {
            counts.calls++;
            counts.statements++;
            const result = await (inner[key] as (...a: unknown[]) => Promise<unknown>)(...args);
            if (key === "all" || key === "run") writes.rowsRead += (result as D1Result).meta.rows_read ?? 0;
            return result;
          };
        }
        return forward(inner, key);
      },
    });
    real.set(proxy, statement);
    return proxy;
  };
  const real = new WeakMap<object, D1PreparedStatement>();
  const wrapped = new Proxy(db, {
    get(target, prop) {
      if (prop === "prepare") return (query: string) => wrapStatement(target.prepare(query), real);
      if (prop === "batch") {
        return async (statements: D1PreparedStatement[]) => {
          counts.calls++;
          counts.statements += statements.length;
          const results = await target.batch(statements.map((statement) => real.get(statement) ?? statement));
          for (const result of results) {
            writes.rowsWritten += result.meta.rows_written ?? 0;
            writes.statements.push({ changes: result.meta.changes, rowsRead: result.meta.rows_read ?? 0 });
            writes.rowsRead += result.meta.rows_read ?? 0;
          }
          return results;
        };
      }
      return forward(target, prop);
    },
  });
  return { db: wrapped, counts, writes };
}

/** The real queue, counting sendBatch calls and checking each against the platform's limits (100 messages, 256 KB). */
export function countingQueue<T>(queue: Queue<T>) {
  const sends: { messages: number; bytes: number }[] = [];
  const wrapped = {
    send: (body: T, options?: QueueSendOptions) => queue.send(body, options),
    sendBatch: (messages: Iterable<MessageSendRequest<T>>, options?: QueueSendBatchOptions) => {
      const list = [...messages];
      sends.push({
        messages: list.length,
        bytes: list.reduce(
          (sum, message) => sum + new TextEncoder().encode(JSON.stringify(message.body)).byteLength,
          0,
        ),
      });
      return queue.sendBatch(list, options);
    },
  } as Queue<T>;
  return { queue: wrapped, sends };
}

import { env } from "cloudflare:workers";
import { expect } from "vitest";

/** The real D1, recording every statement prepared through it with its parameters (the verb under test gets it). */
export function capturingD1(): { d1: D1Database; statements: { sql: string; params: unknown[] }[] } {
  const statements: { sql: string; params: unknown[] }[] = [];
  const d1 = new Proxy(env.DB, {
    get(target, key) {
      if (key !== "prepare") {
        const value = Reflect.get(target, key);
        return typeof value === "function" ? value.bind(target) : value;
      }
      return (sql: string) => {
        const entry = { sql, params: [] as unknown[] };
        statements.push(entry);
        const statement = target.prepare(sql);
        return new Proxy(statement, {
          get(inner, innerKey) {
            if (innerKey === "bind") {
              return (...params: unknown[]) => {
                entry.params = params;
                return inner.bind(...params);
              };
            }
            const value = Reflect.get(inner, innerKey);
            return typeof value === "function" ? value.bind(inner) : value;
          },
        });
      };
    },
  });
  return { d1, statements };
}

/**
 * Each captured statement, explained with its own parameters: no table is scanned whole (json_each walks bound
 * JSON), but the small ones named in `small` (e.g. part_refs: one row per part of the catalog).
 */
export async function expectNoScans(statements: { sql: string; params: unknown[] }[], small: string[] = []) {
  expect(statements.length).toBeGreaterThan(0);
  for (const { sql, params } of statements) {
    const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .bind(...params)
      .all<{ detail: string }>();
    const details = results.map((row) => row.detail);
    for (const detail of details) {
      if (small.some((table) => detail === `SCAN ${table}`)) continue;
      expect(detail, `${sql.replace(/\s+/g, " ").slice(0, 120)}: ${details.join(" | ")}`).not.toMatch(
        /^SCAN (?!CONSTANT ROW)\S+(?! USING (COVERING )?INDEX| VIRTUAL TABLE)( |$)/,
      );
    }
  }
}

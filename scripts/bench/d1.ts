import { spawnSync } from "node:child_process";

/**
 * Read-only queries against a local D1 (same persist dir as `wrangler dev`), answered as JSON rows: one array
 * of rows per statement. Run it while no `wrangler dev` holds the directory.
 */
const quietEnv = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

export function queryLocalJson<T = Record<string, unknown>>(sql: string, persistTo: string): T[][] {
  const args = ["wrangler", "d1", "execute", "DB", "--local", "--json", "--persist-to", persistTo, "--command", sql];
  const result = spawnSync("npx", args, { env: quietEnv, encoding: "utf8", maxBuffer: 256 * 1024 * 1024, timeout: 120_000 });
  if (result.status !== 0) throw new Error(`query failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  const start = result.stdout.indexOf("[");
  const parsed = JSON.parse(result.stdout.slice(start)) as { results: T[]; success: boolean }[];
  return parsed.map((statement) => statement.results);
}

import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { CycleSummary } from "../../worker/delivery/cycle";
import type { LocalWorker } from "../local-worker";
import type { GroupStats, StatementStats } from "./profile-worker";

/**
 * Runs scripts/bench/profile-worker.ts under `wrangler dev` with a throw-away config that binds the same D1
 * database (same database_id, same --persist-to) as the project's wrangler.toml.
 */
const quietEnv = { ...process.env, CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false", NO_COLOR: "1" };

/**
 * Bundles scripts/bench/profile-worker.ts once (wrangler deploy --dry-run) into `dir`: the profile worker then
 * runs from that bundle, so an edit to worker/ by someone else mid-run cannot restart it under a request.
 * Returns the config to pass to startProfileWorker.
 */
export function bundleProfileWorker(root: string, dir: string): string {
  const project = readFileSync(path.join(root, "wrangler.toml"), "utf8");
  const field = (name: string) => {
    const match = new RegExp(`^${name}\\s*=\\s*"([^"]+)"`, "m").exec(project);
    if (!match) throw new Error(`wrangler.toml has no ${name}`);
    return match[1]!;
  };
  // The project's [vars] (MAIL_FROM, POSTAL_ADDRESS, …); the --var flags override some of them.
  const varsBlock = /^\[vars\]\n(?:(?!\[).*\n?)*/m.exec(project)?.[0] ?? "";
  mkdirSync(dir, { recursive: true });
  const config = (main: string, noBundle: boolean) =>
    [
      `name = "nextpart-bench-profile"`,
      `main = ${JSON.stringify(main)}`,
      ...(noBundle ? ["no_bundle = true"] : []),
      `compatibility_date = "${field("compatibility_date")}"`,
      `compatibility_flags = ["nodejs_compat"]`,
      varsBlock,
      `[[d1_databases]]`,
      `binding = "DB"`,
      `database_name = "${field("database_name")}"`,
      `database_id = "${field("database_id")}"`,
      "",
    ].join("\n");
  const buildConfig = path.join(dir, "build.toml");
  writeFileSync(buildConfig, config(path.join(root, "scripts/bench/profile-worker.ts"), false));
  const outdir = path.join(dir, "bundle");
  const build = spawnSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", outdir, "--config", buildConfig],
    { env: { ...quietEnv, CI: "true" }, encoding: "utf8", cwd: root, timeout: 120_000 });
  if (build.status !== 0) throw new Error(`bundling the profile worker failed:\n${build.stdout}\n${build.stderr}`);
  const runConfig = path.join(dir, "run.toml");
  writeFileSync(runConfig, config(path.join(outdir, "profile-worker.js"), true));
  return runConfig;
}

export async function startProfileWorker(options: {
  root: string;
  /** From bundleProfileWorker. */
  config: string;
  port: number;
  persistTo: string;
  vars: Record<string, string>;
  verbose?: boolean;
}): Promise<LocalWorker> {
  const config = options.config;
  const args = ["wrangler", "dev", "--config", config, "--ip", "127.0.0.1", "--port", String(options.port),
    "--persist-to", options.persistTo, "--show-interactive-dev-session=false"];
  for (const [key, value] of Object.entries(options.vars)) args.push("--var", `${key}:${value}`);
  const child = spawn("npx", args, { env: quietEnv, stdio: ["ignore", "pipe", "pipe"], detached: true, cwd: options.root });
  let output = "";
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    if (options.verbose) process.stdout.write(chunk);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      return;
    }
    await exited;
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`profile worker exited with code ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/ping`)).ok) return { url, process: child, stop };
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error(`profile worker did not start within 60 s:\n${output}`);
}

export interface Profile {
  summary: CycleSummary;
  wallMs: number;
  d1Ms: number;
  mailerMs: number;
  mailerCalls: number;
  templateCompiles: number;
  statements: Record<string, StatementStats>;
  groups: Record<string, GroupStats>;
}

export async function profileCycle(
  worker: LocalWorker,
  concurrency: number,
  options: { whatIf?: "prebuilt-body"; split?: boolean } = {},
): Promise<Profile> {
  const res = await fetch(`${worker.url}/profile`, {
    method: "POST",
    body: JSON.stringify({ concurrency, ...options }),
    signal: AbortSignal.timeout(5 * 60_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`profile answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as Profile;
}

/** Lines for the human summary: per-statement rows, per-transaction time. */
export function describeProfile(profile: Profile, perEmail: number) {
  const lines: string[] = [];
  const rows = Object.entries(profile.statements).sort((a, b) => b[1].rowsRead - a[1].rowsRead);
  for (const [name, s] of rows) {
    const per = perEmail > 0 ? ` = ${(s.rowsRead / perEmail).toFixed(2)} read/email` : "";
    lines.push(`      ${name.padEnd(24)} ${String(s.calls).padStart(5)} calls ${String(s.rowsRead).padStart(8)} rows read${per}, ${s.rowsWritten} written`);
  }
  return lines.join("\n");
}

import { spawn } from "node:child_process";
import path from "node:path";
import { pathToFileURL } from "node:url";

/** `npm run admin` as a child process (tsx on this Node), for the mock (tests/cli) and the real Worker (tests/local). */
const root = path.resolve(import.meta.dirname, "../..");
const tsx = pathToFileURL(path.join(root, "node_modules/tsx/dist/loader.mjs")).href;
const cli = path.join(root, "scripts/admin.ts");

export interface Run {
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

export interface RunOptions {
  /** NEXTPART_ADMIN_TOKEN; null: none at all. */
  token: string | null;
  cwd: string;
  env?: Record<string, string>;
}

/** Async spawn: a mock server in the test's process must keep answering while the CLI runs. */
export function runAdmin(url: string, args: string[], options: RunOptions): Promise<Run> {
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  delete env.NEXTPART_ADMIN_TOKEN;
  if (options.token !== null) env.NEXTPART_ADMIN_TOKEN = options.token;
  const child = spawn(process.execPath, ["--import", tsx, cli, "--url", url, ...args], { cwd: options.cwd, env });
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout.on("data", (chunk: Buffer) => out.push(chunk));
  child.stderr.on("data", (chunk: Buffer) => err.push(chunk));
  return new Promise((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
  });
}

import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import net from "node:net";

/**
 * Starts the Worker under `wrangler dev` on 127.0.0.1 with local D1 migrated: shared by `npm start`,
 * the browser test and `npm run bench`. Must be run through npm/npx so wrangler gets Node 22.
 */
export interface LocalWorkerOptions {
  port: number;
  /** Another wrangler config than the Worker's own (the bench's send-path Worker). */
  config?: string;
  /** Folder for local D1 state (default: wrangler's .wrangler/state). */
  persistTo?: string;
  vars?: Record<string, string>;
  /** Print wrangler's output. */
  verbose?: boolean;
  /** Receives wrangler's output, line by line (the Worker's own log lines among them). */
  onLine?: (line: string) => void;
}

export interface LocalWorker {
  url: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

const quietEnv = {
  ...process.env,
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  NO_COLOR: "1",
};

export function applyLocalMigrations(persistTo?: string) {
  const args = [
    "wrangler",
    "d1",
    "migrations",
    "apply",
    "DB",
    "--local",
    ...(persistTo ? ["--persist-to", persistTo] : []),
  ];
  const result = spawnSync("npx", args, { env: { ...quietEnv, CI: "true" }, encoding: "utf8" });
  if (result.status !== 0) throw new Error(`migrations failed:\n${result.stdout}\n${result.stderr}`);
}

export function executeLocalSql(sql: string, persistTo?: string) {
  const args = [
    "wrangler",
    "d1",
    "execute",
    "DB",
    "--local",
    "--command",
    sql,
    ...(persistTo ? ["--persist-to", persistTo] : []),
  ];
  const result = spawnSync("npx", args, { env: quietEnv, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) throw new Error(`SQL failed:\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

/** Thrown when something else already answers on the port: we never talk to another server by mistake. */
export class PortTakenError extends Error {
  constructor(readonly port: number) {
    super(
      `port ${port} is already in use (another wrangler dev or npm start?): stop it, or choose another with PORT=…`,
    );
  }
}

/** True when nothing listens on 127.0.0.1:port (nor on a wildcard address that covers it). */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen({ port, host: "127.0.0.1", exclusive: true }, () => server.close(() => resolve(true)));
  }).then(
    (free) =>
      free &&
      // A server on [::] may not block an IPv4 bind: also try to connect.
      new Promise<boolean>((resolve) => {
        const socket = net.connect({ port, host: "127.0.0.1" });
        socket.once("connect", () => {
          socket.destroy();
          resolve(false);
        });
        socket.once("error", () => resolve(true));
      }),
  );
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Read-only queries answered as JSON rows, one array per statement. Run it while no `wrangler dev` holds the dir. */
export function queryLocalJson<T = Record<string, unknown>>(sql: string, persistTo: string): T[][] {
  const args = ["wrangler", "d1", "execute", "DB", "--local", "--json", "--persist-to", persistTo, "--command", sql];
  const result = spawnSync("npx", args, {
    env: quietEnv,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  if (result.status !== 0)
    throw new Error(`query failed (${result.status ?? result.signal}):\n${result.stdout}\n${result.stderr}`);
  const parsed = JSON.parse(result.stdout.slice(result.stdout.indexOf("["))) as { results: T[] }[];
  return parsed.map((statement) => statement.results);
}

export async function startLocalWorker(options: LocalWorkerOptions): Promise<LocalWorker> {
  if (!(await isPortFree(options.port))) throw new PortTakenError(options.port);
  const args = [
    "wrangler",
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    String(options.port),
    "--test-scheduled",
    "--show-interactive-dev-session=false",
  ];
  if (options.config) args.push("--config", options.config);
  if (options.persistTo) args.push("--persist-to", options.persistTo);
  // Always a local run: the outbox mailer and the relaxed local checks (a deployed Worker has neither).
  for (const [key, value] of Object.entries({ LOCAL_OUTBOX: "1", ...options.vars }))
    args.push("--var", `${key}:${value}`);
  const child = spawn("npx", args, { env: quietEnv, stdio: ["ignore", "pipe", "pipe"], detached: true });
  if (options.verbose) {
    child.stdout!.pipe(process.stdout);
    child.stderr!.pipe(process.stderr);
  } else if (!options.onLine) {
    child.stdout!.resume();
    child.stderr!.resume();
  }
  if (options.onLine) {
    for (const stream of [child.stdout!, child.stderr!]) {
      let rest = "";
      stream.setEncoding("utf8").on("data", (chunk: string) => {
        const lines = (rest + chunk).split("\n");
        rest = lines.pop()!;
        for (const line of lines) options.onLine!(line);
      });
    }
  }
  const url = `http://127.0.0.1:${options.port}`;
  const stop = async () => {
    if (child.exitCode !== null) return;
    try {
      process.kill(-child.pid!, "SIGTERM");
    } catch {
      /* already gone */
    }
    await new Promise((resolve) => child.once("exit", resolve));
  };
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited with code ${child.exitCode}`);
    try {
      const res = await fetch(`${url}/p/unknown-series-probe`);
      if (res.status === 404) return { url, process: child, stop };
    } catch {
      /* not listening yet */
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  await stop();
  throw new Error("wrangler dev did not start within 60 s");
}

/**
 * A bench's scratch: a temp folder for local D1 and queues, and the Worker started on it. `cleanUp` (in a
 * `finally`, and on Ctrl+C) stops the Worker and removes the folder; `stopWorker` stops it early, to read D1.
 */
export function scratchWorker(prefix: string) {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  let worker: LocalWorker | undefined;
  const stopWorker = async () => {
    await worker?.stop();
    worker = undefined;
  };
  const cleanUp = async () => {
    await stopWorker();
    rmSync(dir, { recursive: true, force: true });
  };
  for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const)
    process.on(signal, () => void cleanUp().finally(() => process.exit(130)));
  const start = async (options: Omit<LocalWorkerOptions, "persistTo">) =>
    (worker = await startLocalWorker({ ...options, persistTo: dir }));
  return { dir, start, stopWorker, cleanUp };
}

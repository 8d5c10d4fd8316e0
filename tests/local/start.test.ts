import { spawn, type ChildProcess } from "node:child_process";
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isPortFree } from "../../scripts/local-worker";

/**
 * `npm start` as a person runs it: in its own process group (a terminal's foreground job), so a signal to
 * the group is what Ctrl+C and a closed terminal do, and a signal to the top process is what `kill` does.
 */
const root = path.resolve(import.meta.dirname, "../..");
const tsx = path.join(root, "node_modules/.bin/tsx");

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function start(port: number): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  let output = "";
  const child = spawn(tsx, ["scripts/start.ts"], {
    cwd: root,
    detached: true,
    env: { ...process.env, PORT: String(port), NEXTPART_TICK_SECONDS: "3600" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout!.on("data", (chunk) => (output += chunk));
  child.stderr!.on("data", (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs: number, what: string) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const groupAlive = (pid: number) => {
  try {
    process.kill(-pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("npm start", () => {
  it("exits with a clear message when the port is taken, without talking to the other server", async () => {
    let requests = 0;
    const other = http.createServer((_req, res) => {
      requests++;
      res.end("someone else");
    });
    await new Promise<void>((resolve) => other.listen(0, "127.0.0.1", resolve));
    const port = (other.address() as AddressInfo).port;
    try {
      const run = start(port);
      expect(await run.exited).toBe(1);
      expect(run.output()).toContain(`Port ${port} is already in use`);
      expect(requests).toBe(0);
    } finally {
      other.close();
    }
  });

  for (const [signal, target] of [
    ["SIGINT", "group"],
    ["SIGHUP", "group"],
    ["SIGTERM", "process"],
  ] as const) {
    it(`stops the wrangler dev it started on ${signal} (sent to the ${target})`, async () => {
      const port = await freePort();
      const run = start(port);
      try {
        await waitFor(() => run.output().includes("nextpart is running"), 120_000, "npm start to be ready");
        expect(await isPortFree(port)).toBe(false);
        process.kill(target === "group" ? -run.child.pid! : run.child.pid!, signal);
        await run.exited;
        // wrangler dev (its own process group) is gone: the port is free again and our group is empty.
        await waitFor(() => isPortFree(port), 15_000, `port ${port} to be released`);
        await waitFor(() => !groupAlive(run.child.pid!), 15_000, "every process of npm start to exit");
      } finally {
        if (groupAlive(run.child.pid!)) process.kill(-run.child.pid!, "SIGKILL");
      }
    });
  }
});

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { freePort, startLocalWorker } from "./local-worker";

/**
 * The send path's CPU per email in workerd itself (scripts/send-path-worker under `wrangler dev`), against the
 * same reference as in Node, measured in the same workerd. Linux only: CPU is read from the per-thread counters
 * (/proc/<pid>/task/<tid>/schedstat, nanoseconds on CPU) of the workerd processes, so waiting never counts.
 */
export async function measureSendPathInWorkerd(emails: number, persistTo: string) {
  if (process.platform !== "linux") return null;
  const port = await freePort();
  const worker = await startLocalWorker({
    port,
    persistTo,
    config: path.join(import.meta.dirname, "send-path-worker/wrangler.toml"),
  });
  try {
    const processes = workerdProcesses(worker.process.pid!);
    const cpuNs = () => processes.reduce((sum, pid) => sum + threadsCpuNs(pid), 0);
    const run = async (name: string, n: number) => {
      const res = await fetch(`${worker.url}/?run=${name}&n=${n}`);
      if (!res.ok) throw new Error(`send-path worker: ${res.status} ${await res.text()}`);
      await res.text();
    };
    // CPU of one request, the overhead each measured request carries (HTTP, routing, the proxy worker).
    const measure = async (name: string, n: number) => {
      let at = cpuNs();
      await run(name, 0);
      const overhead = cpuNs() - at;
      at = cpuNs();
      await run(name, n);
      return Math.max(0, cpuNs() - at - overhead);
    };
    await run("send", 2000); // warm-up: JIT and the per-part caches
    await run("reference", 2000);
    let sendNs = 0;
    let referenceNs = 0;
    // Alternated in rounds, so a busy moment of the machine weighs on both.
    for (let round = 0; round < 10; round++) {
      sendNs += await measure("send", emails / 10);
      referenceNs += await measure("reference", emails / 10);
    }
    const usPerEmail = sendNs / emails / 1000;
    const referenceUs = referenceNs / emails / 1000;
    return { usPerEmail, referenceUs, ratio: usPerEmail / referenceUs };
  } finally {
    await worker.stop();
  }
}

/** The workerd processes started under `root` (wrangler's children, found through /proc's parent ids). */
function workerdProcesses(root: number): number[] {
  const parents = new Map<number, number>();
  const names = new Map<number, string>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      // "pid (comm) state ppid …": the name may hold spaces, the last ")" ends it.
      const close = stat.lastIndexOf(")");
      names.set(Number(entry), stat.slice(stat.indexOf("(") + 1, close));
      parents.set(Number(entry), Number(stat.slice(close + 2).split(" ")[1]));
    } catch {
      /* gone meanwhile */
    }
  }
  const below = (pid: number): number[] =>
    [...parents].filter(([, parent]) => parent === pid).flatMap(([child]) => [child, ...below(child)]);
  const found = below(root).filter((pid) => names.get(pid) === "workerd");
  if (found.length === 0) throw new Error("no workerd process found under wrangler dev");
  return found;
}

function threadsCpuNs(pid: number): number {
  let sum = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`))
    sum += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
  return sum;
}

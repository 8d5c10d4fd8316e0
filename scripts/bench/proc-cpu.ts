import { readdirSync, readFileSync } from "node:fs";

/**
 * CPU time of the processes in one process group (wrangler dev: npx → node wrangler → workerd), per process
 * and per thread, from /proc (Linux only; empty elsewhere). Used to say where the send time goes.
 */
const TICKS_PER_S = 100;

export interface CpuSample {
  /** key "pid/tid" → { name, seconds } */
  threads: Map<string, { process: string; thread: string; seconds: number }>;
}

function parseStat(text: string) {
  const close = text.lastIndexOf(")");
  const name = text.slice(text.indexOf("(") + 1, close);
  const fields = text.slice(close + 2).split(" ");
  // fields[0] = state (field 3); pgrp = field 5; utime = field 14; stime = field 15.
  return { name, pgrp: Number(fields[2]), seconds: (Number(fields[11]) + Number(fields[12])) / TICKS_PER_S };
}

export function sampleGroupCpu(pgid: number): CpuSample {
  const threads = new Map<string, { process: string; thread: string; seconds: number }>();
  let pids: string[] = [];
  try {
    pids = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  } catch {
    return { threads };
  }
  for (const pid of pids) {
    try {
      const stat = parseStat(readFileSync(`/proc/${pid}/stat`, "utf8"));
      if (stat.pgrp !== pgid) continue;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const thread = parseStat(readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8"));
        threads.set(`${pid}/${tid}`, { process: stat.name, thread: thread.name, seconds: thread.seconds });
      }
    } catch {
      /* exited meanwhile */
    }
  }
  return { threads };
}

export interface CpuDelta {
  /** CPU seconds per process name (summed over processes and threads). */
  byProcess: Record<string, number>;
  /** The busiest threads: "process/thread" and CPU seconds. */
  topThreads: { name: string; seconds: number }[];
}

export function cpuDelta(before: CpuSample, after: CpuSample): CpuDelta {
  const byProcess: Record<string, number> = {};
  const threads: { name: string; seconds: number }[] = [];
  for (const [key, now] of after.threads) {
    const seconds = now.seconds - (before.threads.get(key)?.seconds ?? 0);
    if (seconds <= 0) continue;
    byProcess[now.process] = (byProcess[now.process] ?? 0) + seconds;
    threads.push({ name: `${now.process}/${now.thread}#${key.split("/")[1]}`, seconds });
  }
  threads.sort((a, b) => b.seconds - a.seconds);
  return { byProcess, topThreads: threads.slice(0, 4) };
}

/** CPU seconds the whole machine spent busy (all cores), from /proc/stat; 0 where there is none. */
export function machineBusySeconds(): number {
  try {
    const line = readFileSync("/proc/stat", "utf8").split("\n")[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return (user! + nice! + system! + irq! + softirq! + steal!) / TICKS_PER_S;
  } catch {
    return 0;
  }
}

/**
 * Process groups (other than ours) whose command line mentions `marker` (the bench's own mkdtemp dir): the
 * `wrangler dev` instances this bench started, including one still starting when a signal or the timeout came.
 */
export function processGroupsMentioning(marker: string): number[] {
  const own = parseStatSafe(`/proc/${process.pid}/stat`)?.pgrp;
  const groups = new Set<number>();
  let pids: string[] = [];
  try {
    pids = readdirSync("/proc").filter((entry) => /^\d+$/.test(entry));
  } catch {
    return [];
  }
  for (const pid of pids) {
    try {
      if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(marker)) continue;
      const pgrp = parseStatSafe(`/proc/${pid}/stat`)?.pgrp;
      if (pgrp && pgrp !== own && pgrp > 1) groups.add(pgrp);
    } catch {
      /* gone */
    }
  }
  return [...groups];
}

function parseStatSafe(file: string) {
  try {
    return parseStat(readFileSync(file, "utf8"));
  } catch {
    return undefined;
  }
}

import type { ReadingCheckStatus } from "../../db/schema";
import type { AppDeps } from "../app-deps";
import { reengageSql, signalKeptSql } from "./reengage-queries";

export interface ReadingCheck {
  id: number;
  status: ReadingCheckStatus;
  series: string;
  subscriptionId: number;
  /** Null once the subscription is gone (erased). */
  subscriptionStatus: string | null;
}

/** What the keep page offers: the button (ask), nothing to do (done), or nothing any more (ended). */
export type CheckState = "ask" | "done" | "ended";

export function checkState(check: ReadingCheck): CheckState {
  if (check.subscriptionStatus !== "active" && check.subscriptionStatus !== "paused") return "ended";
  if (check.status === "queued" || check.status === "sent" || check.status === "paused") return "ask";
  return check.status === "closed" ? "ended" : "done";
}

export function findReadingCheck(deps: Pick<AppDeps, "db">, checkId: number): Promise<ReadingCheck | null> {
  return deps.db.prepare(reengageSql.findCheck).bind(checkId).first<ReadingCheck>();
}

export type KeepOutcome = "kept" | "resumed" | "done" | "ended";
export type KeepResult = { kind: KeepOutcome; series: string } | { kind: "not_found" };

/**
 * The keep button: the reader's streak starts again, a subscription the check paused resumes where it was, and
 * the check closes as kept, counted once (one transaction; pressed twice, the second changes nothing but the
 * streak).
 */
export async function keepReading(deps: Pick<AppDeps, "db" | "clock">, checkId: number): Promise<KeepResult> {
  const { db } = deps;
  const now = deps.clock();
  const check = await findReadingCheck(deps, checkId);
  if (!check) return { kind: "not_found" };
  const state = checkState(check);
  if (state === "ended") return { kind: "ended", series: check.series };
  const [, resumed, , kept] = await db.batch([
    db.prepare(reengageSql.countKept).bind(checkId, now),
    db.prepare(reengageSql.resumeKept).bind(checkId, now),
    db.prepare(signalKeptSql).bind(checkId, now),
    db.prepare(reengageSql.markKept).bind(checkId, now),
  ]);
  const kind = resumed!.meta.changes > 0 ? "resumed" : kept!.meta.changes > 0 ? "kept" : "done";
  return { kind, series: check.series };
}

import type { AppDeps } from "../app-deps";
import { sessionEpochSql } from "./session-queries";

/** The dashboard's row in session_epochs: a session issued in an older epoch is signed out. */
const DASHBOARD = "dashboard";

/** The epoch new sessions are issued in and old ones are checked against (0 until the first sign-out everywhere). */
export async function readSessionEpoch(deps: Pick<AppDeps, "db">): Promise<number> {
  const row = await deps.db.prepare(sessionEpochSql.read).bind(DASHBOARD).first<{ epoch: number }>();
  return row?.epoch ?? 0;
}

/** "Sign out everywhere": every session issued so far is refused at its next request. Returns the new epoch. */
export async function bumpSessionEpoch(deps: Pick<AppDeps, "db" | "clock">): Promise<number> {
  const row = await deps.db.prepare(sessionEpochSql.bump).bind(DASHBOARD, deps.clock()).first<{ epoch: number }>();
  return row!.epoch;
}

/** The dashboard's row in session_epochs: a session issued in an older epoch is signed out. */
const DASHBOARD = "dashboard";

export const sessionEpochSql = {
  /** ?1 name: one primary-key read. */
  read: `SELECT epoch FROM session_epochs WHERE name = ?1`,
  /** ?1 name, ?2 now. */
  bump: `INSERT INTO session_epochs (name, epoch, changed_at) VALUES (?1, 1, ?2)
    ON CONFLICT (name) DO UPDATE SET epoch = epoch + 1, changed_at = excluded.changed_at RETURNING epoch`,
} as const;

/** The epoch new sessions are issued in and old ones are checked against (0 until the first sign-out everywhere). */
export async function readSessionEpoch(d1: D1Database): Promise<number> {
  const row = await d1.prepare(sessionEpochSql.read).bind(DASHBOARD).first<{ epoch: number }>();
  return row?.epoch ?? 0;
}

/** "Sign out everywhere": every session issued so far is refused at its next request. Returns the new epoch. */
export async function bumpSessionEpoch(d1: D1Database, now = Date.now()): Promise<number> {
  const row = await d1.prepare(sessionEpochSql.bump).bind(DASHBOARD, now).first<{ epoch: number }>();
  return row!.epoch;
}

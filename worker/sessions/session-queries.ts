/** The statements of the dashboard's session epoch (table session_epochs): each a primary-key probe. */
export const sessionEpochSql = {
  /** ?1 name: one primary-key read. */
  read: `SELECT epoch FROM session_epochs WHERE name = ?1`,
  /** ?1 name, ?2 now. */
  bump: `INSERT INTO session_epochs (name, epoch, changed_at) VALUES (?1, 1, ?2)
    ON CONFLICT (name) DO UPDATE SET epoch = epoch + 1, changed_at = excluded.changed_at RETURNING epoch`,
} as const;

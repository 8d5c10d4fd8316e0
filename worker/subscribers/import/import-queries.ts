import { importGrowthSql } from "../../stats/growth-queries";

/**
 * The import's SQL. A chunk's writes are one D1 batch (one transaction): ?1 job id, ?2 chunk, ?3 this attempt's
 * token, ?4 now. The first statement claims the chunk; every later one runs only if that claim is this
 * attempt's, so a chunk the queue delivers twice is written (and counted) once.
 */
const claimed = "EXISTS (SELECT 1 FROM import_chunks WHERE job_id = ?1 AND chunk = ?2 AND token = ?3)";
const field = (name: string) => `json_extract(j.value, '$.${name}')`;

export const importSql = {
  insertJob: `INSERT INTO import_jobs (id, status, total, chunks, idempotency_key, request_hash, created_at)
    VALUES (?1, 'queued', ?2, ?3, ?4, ?5, ?6) ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
  jobByIdempotencyKey: `SELECT id, request_hash AS requestHash FROM import_jobs WHERE idempotency_key = ?1`,
  /** ?1 job id. */
  readJob: `SELECT id, status, total, processed, active, pending, skipped, created_at AS createdAt, finished_at AS finishedAt
    FROM import_jobs WHERE id = ?1`,
  /** ?1 job id. */
  jobExists: `SELECT 1 AS found FROM import_jobs WHERE id = ?1`,
  failJob: `UPDATE import_jobs SET status = 'failed', error = ?2, finished_at = ?3 WHERE id = ?1 AND status IN ('queued', 'running')`,

  /** Before the work: a chunk already written is acked without reading anything else. */
  chunkDone: `SELECT 1 AS done FROM import_chunks WHERE job_id = ?1 AND chunk = ?2`,
  /** ?1 job id, ?2 chunk: the job's start (confirmation emails are spaced from it), and whether the chunk is done. */
  chunkJob: `SELECT created_at AS createdAt, EXISTS (SELECT 1 FROM import_chunks WHERE job_id = ?1 AND chunk = ?2) AS done
    FROM import_jobs WHERE id = ?1`,
  /** ?1 JSON array of suppression hashes. */
  suppressedHashes: `SELECT email_hash AS hash FROM suppressions WHERE email_hash IN (SELECT value FROM json_each(?1))`,
  /** ?1 JSON array of email keys: each known reader, with the series they already have a subscription to. */
  knownReaders: `SELECT s.email_key AS key, s.status,
      (SELECT json_group_array(series) FROM subscriptions WHERE subscriber_id = s.id) AS series
    FROM subscribers s WHERE s.email_key IN (SELECT value FROM json_each(?1))`,

  claimChunk: `INSERT INTO import_chunks (job_id, chunk, token, done_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING`,
  /** ?5 JSON [{ email, key, name, timezone, status, confirmedAt }]: new readers (a known address keeps its row). */
  insertReaders: `INSERT INTO subscribers (email, email_key, name, status, timezone, created_at, updated_at, confirmed_at)
    SELECT ${field("email")}, ${field("key")}, ${field("name")}, ${field("status")}, ${field("timezone")}, ?4, ?4, ${field("confirmedAt")}
    FROM json_each(?5) j WHERE ${claimed}
    ON CONFLICT (email_key) DO NOTHING`,
  /**
   * ?5 JSON [{ key }]: a known reader who never confirmed, now with stated consent, becomes active. By address
   * (INDEXED BY): the planner would otherwise walk every pending reader through subscribers_status_idx.
   */
  activateReaders: `UPDATE subscribers INDEXED BY subscribers_email_key_idx SET status = 'active', confirmed_at = coalesce(confirmed_at, ?4), updated_at = ?4
    WHERE status = 'pending' AND email_key IN (SELECT ${field("key")} FROM json_each(?5) j) AND ${claimed}`,
  /** ?5 JSON [{ key, series, status, dueAt }]. */
  insertSubscriptions: `INSERT INTO subscriptions (subscriber_id, series, status, next_part, due_at, created_at, updated_at)
    SELECT s.id, ${field("series")}, ${field("status")}, 1, ${field("dueAt")}, ?4, ?4
    FROM json_each(?5) j JOIN subscribers s ON s.email_key = ${field("key")} WHERE ${claimed}
    ON CONFLICT (subscriber_id, series) DO NOTHING`,
  /**
   * ?5 JSON [{ key, series, consentedAt, source, name, timezone, emailAt, expiresAt, mailbox }]. Stated consent:
   * confirmed when given. Otherwise a confirmation email queued for the cron at emailAt (import/start-import.ts
   * spaces them), counted in its mailbox's daily cap. Only for the subscriptions this chunk created (a signup
   * racing the import keeps its own consent).
   */
  insertConsents: `INSERT INTO consents (subscriber_id, series, form, consent_text_version, created_at, confirmed_at,
      expires_at, pending_name, pending_timezone, email_status, email_attempts, email_next_at, source, import_job_id, mailbox_key)
    SELECT s.id, ${field("series")}, 'import', 'import', coalesce(${field("consentedAt")}, ?4), ${field("consentedAt")},
      ${field("expiresAt")}, ${field("name")}, ${field("timezone")},
      CASE WHEN ${field("consentedAt")} IS NULL THEN 'queued' END, 0, ${field("emailAt")}, ${field("source")}, ?1, ${field("mailbox")}
    FROM json_each(?5) j JOIN subscribers s ON s.email_key = ${field("key")}
    WHERE ${claimed} AND EXISTS (SELECT 1 FROM subscriptions t WHERE t.subscriber_id = s.id AND t.series = ${field("series")} AND t.created_at = ?4)`,
  /** ?5 JSON [{ key }]: the list's growth (worker/stats/growth-queries.ts); after insertSubscriptions. */
  countGrowth: importGrowthSql(claimed),
  /** ?5 JSON [[row, email, outcome, message]]. */
  insertReport: `INSERT INTO import_rows (job_id, row, email, outcome, message)
    SELECT ?1, json_extract(j.value, '$[0]'), json_extract(j.value, '$[1]'), json_extract(j.value, '$[2]'), json_extract(j.value, '$[3]') FROM json_each(?5) j WHERE ${claimed}
    ON CONFLICT DO NOTHING`,
  /** ?5 rows, ?6 active, ?7 pending, ?8 skipped. The last chunk finishes the job (a failed job stays failed). */
  countChunk: `UPDATE import_jobs SET processed = processed + ?5, active = active + ?6, pending = pending + ?7,
      skipped = skipped + ?8, chunks_done = chunks_done + 1,
      status = CASE WHEN status = 'failed' THEN status WHEN chunks_done + 1 >= chunks THEN 'done' ELSE 'running' END,
      finished_at = CASE WHEN status = 'failed' THEN finished_at WHEN chunks_done + 1 >= chunks THEN ?4 END
    WHERE id = ?1 AND ${claimed}`,
} as const;

const reportColumns = "SELECT row, email, outcome, message FROM import_rows";
/** A job's report pages. Two statements, so each walks its own index: the primary key (job_id, row) or (job_id, outcome, row). */
export const reportPageSql = {
  /** ?1 job, ?2 after row, ?3 limit. */
  all: `${reportColumns} WHERE job_id = ?1 AND row > ?2 ORDER BY row LIMIT ?3`,
  /** ?1 job, ?2 outcome, ?3 after row, ?4 limit. */
  byOutcome: `${reportColumns} WHERE job_id = ?1 AND outcome = ?2 AND row > ?3 ORDER BY row LIMIT ?4`,
} as const;

/**
 * The statements the stats, the growth chart and the overview read, in one place so their query-plan tests can
 * prove none walks the deliveries or the events: their cost follows the number of readers, parts and days, not
 * the number of emails ever sent (tests/feedback/complaint-guard.test.ts, tests/stats/, tests/dashboard/).
 */
import { PART_COUNTERS, partStatColumn } from "./part-stats";

/** Each counter's part_stats column under its camelCase name (human_clicks AS humanClicks). */
const counterColumns = PART_COUNTERS.map((key) => `${partStatColumn(key)} AS ${key}`).join(", ");

export const statsSql = {
  /** ?1 series or null. One pass over subscriptions: readers by status, and where the active ones wait. */
  readers: `SELECT series, status, next_part AS part, count(*) AS n FROM subscriptions
    WHERE ?1 IS NULL OR series = ?1 GROUP BY series, status, next_part`,
  /** ?1 series or null. Each counter under its camelCase name (the stats' key). */
  counters: `SELECT series, part_id AS partId, ${counterColumns} FROM part_stats WHERE ?1 IS NULL OR series = ?1`,
  seriesState: `SELECT series, paused_at AS pausedAt, pause_reason AS pauseReason FROM series_state`,
  /**
   * ?1 series or null. The "Still reading?" rule's day counters summed (series_days: one row a series and day,
   * so this grows with days, never with readers).
   */
  stillReading: `SELECT series, sum(reengage_asked) AS asked, sum(reengage_kept) AS kept, sum(reengage_paused) AS paused
    FROM series_days WHERE ?1 IS NULL OR series = ?1 GROUP BY series`,
  /** The complaint guard's latest checks (one per complaint; a paused series gets few). */
  guardChecks: `SELECT data, created_at AS at FROM events WHERE type = 'complaint_guard' ORDER BY created_at DESC LIMIT 200`,
} as const;

/** ?1 JSON array of series, ?2 and ?3 the first and last day: a range of the primary key per series. */
export const growthReadSql = `SELECT series, day, signups, confirmations, unsubscribes FROM series_days
  WHERE series IN (SELECT value FROM json_each(?1)) AND day >= ?2 AND day <= ?3`;

/**
 * The overview's "recent" tables. Each reads at most ?1 rows from an index or the primary key, newest first
 * (tests/dashboard/overview.test.ts checks rows read against a bound): never a scan of deliveries or events.
 */
export const recentSql = {
  deliveries: `SELECT id, subscriber_id AS subscriberId, series, part_number AS part, status, to_email AS email, created_at AS createdAt, sent_at AS sentAt,
      delivered_at AS deliveredAt, bounced_at AS bouncedAt, complained_at AS complainedAt
    FROM deliveries ORDER BY id DESC LIMIT ?1`,
  /** ?2 event type ('bounced' or 'complained': written once per reader by the webhooks). events_type_created_at_idx. */
  suppressions: `SELECT e.id, e.subscriber_id AS subscriberId, e.created_at AS at, s.email, json_extract(e.data, '$.reason') AS reason, d.series, d.part_number AS part
    FROM events e LEFT JOIN subscribers s ON s.id = e.subscriber_id LEFT JOIN deliveries d ON d.id = e.delivery_id
    WHERE e.type = ?2 ORDER BY e.created_at DESC LIMIT ?1`,
} as const;

import { signalReading } from "../reengage/reengage-queries";

/** The write of a delivery whose marks are still the ones read (?1 JSON {"<delivery id>": {"old": …}, …}). */
const unchanged = (id: string) => `click_marks IS json_extract(?1, '$."' || ${id} || '".old')`;

/**
 * Every statement of a click batch, whatever its size: one read, then one transaction of four statements that
 * each apply only to deliveries whose marks nobody changed since the read (a compare-and-set on click_marks, so
 * two consumers at once, or a redelivered batch, never apply the same click twice). Primary-key and index
 * probes only: tests/routes/reader-query-plans.test.ts.
 */
export const clickSql = {
  /** ?1 JSON [delivery id, …]. */
  readDeliveries: `SELECT id, subscription_id AS subscriptionId, series, part_id AS partId, sent_at AS sentAt, human_clicked_at AS humanClickedAt,
      scanner_clicked_at AS scannerClickedAt, click_marks AS clickMarks
    FROM deliveries WHERE id IN (SELECT value FROM json_each(?1))`,
  /** ?1 the changes, ?2 JSON [[delivery id, link, scanner reason, at], …]. */
  insertClicks: `INSERT INTO clicks (delivery_id, subscriber_id, series, part_number, part_id, link, scanner_reason, created_at)
    SELECT d.id, d.subscriber_id, d.series, d.part_number, d.part_id, json_extract(r.value, '$[1]'), json_extract(r.value, '$[2]'),
      json_extract(r.value, '$[3]')
    FROM json_each(?2) r JOIN deliveries d ON d.id = json_extract(r.value, '$[0]')
    WHERE d.${unchanged("d.id")}`,
  /** ?1 the changes, ?2 JSON [[delivery id, at, link], …]: earlier person-clicks that a new click made a burst. */
  flagBursts: `UPDATE clicks SET scanner_reason = 'burst'
    WHERE scanner_reason IS NULL AND id IN (
      SELECT c.id FROM json_each(?2) f
      JOIN clicks c ON c.delivery_id = json_extract(f.value, '$[0]') AND c.created_at = json_extract(f.value, '$[1]')
      JOIN deliveries d ON d.id = c.delivery_id
      WHERE c.link = json_extract(f.value, '$[2]') AND d.${unchanged("d.id")})`,
  /** ?1 the changes: each part's counters move by the sum of its deliveries' steps. */
  countParts: `INSERT INTO part_stats (series, part_id, human_clicks, scanner_clicks)
    SELECT json_extract(e.value, '$.series'), json_extract(e.value, '$.part'), sum(json_extract(e.value, '$.dh')), sum(json_extract(e.value, '$.ds'))
    FROM json_each(?1) e JOIN deliveries d ON d.id = CAST(e.key AS INTEGER)
    WHERE d.click_marks IS json_extract(e.value, '$.old') AND (json_extract(e.value, '$.dh') <> 0 OR json_extract(e.value, '$.ds') <> 0)
    GROUP BY 1, 2
    ON CONFLICT (series, part_id) DO UPDATE SET human_clicks = human_clicks + excluded.human_clicks,
      scanner_clicks = scanner_clicks + excluded.scanner_clicks`,
  /**
   * ?1 the changes, ?2 JSON {"<subscription id>": time of its newest person-click}: a person read, so their
   * "Still reading?" streak starts again (worker/reengage/).
   */
  signalReaders: signalReading(
    `SELECT d.subscription_id FROM json_each(?1) e JOIN deliveries d ON d.id = CAST(e.key AS INTEGER)
      WHERE d.click_marks IS json_extract(e.value, '$.old') AND json_type(?2, '$."' || d.subscription_id || '"') IS NOT NULL`,
    `json_extract(?2, '$."' || id || '"')`,
  ),
  /** ?1 the changes, ?2 JSON [delivery id, …]. Last: it is what the others compare with. Returns the ones applied. */
  markDeliveries: `UPDATE deliveries SET click_marks = json_extract(?1, '$."' || id || '".new'),
      human_clicked_at = json_extract(?1, '$."' || id || '".h'), scanner_clicked_at = json_extract(?1, '$."' || id || '".s')
    WHERE id IN (SELECT value FROM json_each(?2)) AND ${unchanged("id")}
    RETURNING id`,
} as const;

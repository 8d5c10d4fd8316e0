import type { ReaderDelivery } from "./reader-delivery";

/** Link checkers of mail gateways and common HTTP libraries: they follow every link, people do not. */
const SCANNER_AGENTS =
  /bingpreview|safelinks|barracuda|proofpoint|mimecast|ironport|symantec|trendmicro|forcepoint|sophos|fireeye|fortiguard|googleimageproxy|google-safety|headless|phantomjs|python-requests|python-urllib|aiohttp|curl\/|wget|go-http-client|okhttp|java\/|libwww|scrapy|node-fetch|axios|undici|urlscan/i;

/** A person cannot open an email and click within this long after it left. */
export const TOO_SOON_MS = 15_000;
/** Several links of one email within this window: a scanner walking the links. */
export const BURST_MS = 1_000;

export type ScannerReason = "head" | "user-agent" | "too-soon" | "burst";

/** Why this click looks automated (burst is decided with the other clicks, in recordClick), or null. */
export function scannerReason(input: { method: string; userAgent: string | undefined; sentAt: number | null; now: number }): ScannerReason | null {
  if (input.method === "HEAD") return "head";
  if (!input.userAgent || SCANNER_AGENTS.test(input.userAgent)) return "user-agent";
  // Not yet recorded as sent means it only just left.
  if (input.sentAt === null || input.now - input.sentAt < TOO_SOON_MS) return "too-soon";
  return null;
}

/** Whether delivery ?1 has a human click, or a scanner click, on record. */
const HUMAN = "EXISTS (SELECT 1 FROM clicks WHERE delivery_id = ?1 AND scanner_reason IS NULL)";
const SCANNER = "EXISTS (SELECT 1 FROM clicks WHERE delivery_id = ?1 AND scanner_reason IS NOT NULL)";

/** A click's transaction, in this order; ?1 is always the delivery id. */
export const clickSql = {
  /** ?2 reader, ?3 series, ?4 part number (when sent), ?5 link, ?6 scanner reason, ?7 now, ?8 part id. */
  insert: `INSERT INTO clicks (delivery_id, subscriber_id, series, part_number, part_id, link, scanner_reason, created_at)
    VALUES (?1, ?2, ?3, ?4, ?8, ?5, ?6, ?7)`,
  /** ?2 start of the burst window: two links or more in it flag every click of it. */
  flagBurst: `UPDATE clicks SET scanner_reason = 'burst'
    WHERE delivery_id = ?1 AND created_at > ?2 AND scanner_reason IS NULL
      AND (SELECT count(DISTINCT link) FROM clicks WHERE delivery_id = ?1 AND created_at > ?2) > 1`,
  /**
   * The part's counters follow the delivery's marks, read before markDelivery changes them: +1 human when its
   * first human click arrives, -1 when a burst took its only one back, +1 scanner on its first flagged click.
   */
  countPart: `INSERT INTO part_stats (series, part_id, human_clicks, scanner_clicks)
    SELECT series, part_id, human, scanner FROM (
      SELECT series, part_id, (${HUMAN}) - (human_clicked_at IS NOT NULL) AS human,
        (scanner_clicked_at IS NULL AND ${SCANNER}) AS scanner
      FROM deliveries WHERE id = ?1)
    WHERE human <> 0 OR scanner <> 0
    ON CONFLICT (series, part_id) DO UPDATE SET human_clicks = human_clicks + excluded.human_clicks,
      scanner_clicks = scanner_clicks + excluded.scanner_clicks`,
  /** ?2 now. The guards: human_clicked_at is set exactly while a human click is on record. */
  markDelivery: `UPDATE deliveries SET
      human_clicked_at = CASE WHEN ${HUMAN} THEN coalesce(human_clicked_at, ?2) END,
      scanner_clicked_at = CASE WHEN ${SCANNER} THEN coalesce(scanner_clicked_at, ?2) END
    WHERE id = ?1 AND ((human_clicked_at IS NULL) = ${HUMAN} OR (scanner_clicked_at IS NULL AND ${SCANNER}))`,
} as const;

/**
 * Keeps the click and, in the same transaction, keeps the funnel true: a delivery counts once as a human click
 * while it has one (deliveries.human_clicked_at is the guard) and once as a scanner click. A burst flags every
 * click of its second, so a scanner's first click, counted as human a moment ago, is taken back.
 */
export async function recordClick(
  d1: D1Database,
  input: { delivery: ReaderDelivery; link: number; reason: ScannerReason | null; now: number },
): Promise<void> {
  const { delivery, link, reason, now } = input;
  await d1.batch([
    d1.prepare(clickSql.insert).bind(delivery.id, delivery.subscriberId, delivery.series, delivery.partNumber, link, reason, now, delivery.partId),
    d1.prepare(clickSql.flagBurst).bind(delivery.id, now - BURST_MS),
    d1.prepare(clickSql.countPart).bind(delivery.id),
    d1.prepare(clickSql.markDelivery).bind(delivery.id, now),
  ]);
}

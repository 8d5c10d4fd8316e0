import { bumpPartStatWhere } from "../stats/part-stats";
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

/** Whether the delivery (parameter `?p`) has a human click, or a scanner click, on record. */
const human = (p: number) => `EXISTS (SELECT 1 FROM clicks WHERE delivery_id = ?${p} AND scanner_reason IS NULL)`;
const scanner = (p: number) => `EXISTS (SELECT 1 FROM clicks WHERE delivery_id = ?${p} AND scanner_reason IS NOT NULL)`;
const counted = (p: number, column: string) => `EXISTS (SELECT 1 FROM deliveries WHERE id = ?${p} AND ${column} IS NOT NULL)`;

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
  const { id, series, partNumber } = delivery;
  const bump = (column: "human_clicks" | "scanner_clicks", by: number, condition: string) =>
    bumpPartStatWhere(d1, series, partNumber, column, by, condition, id);
  await d1.batch([
    d1
      .prepare(
        `INSERT INTO clicks (delivery_id, subscriber_id, series, part_number, link, scanner_reason, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)`,
      )
      .bind(id, delivery.subscriberId, series, partNumber, link, reason, now),
    d1
      .prepare(
        `UPDATE clicks SET scanner_reason = 'burst'
         WHERE delivery_id = ?1 AND created_at > ?2 AND scanner_reason IS NULL
           AND (SELECT count(DISTINCT link) FROM clicks WHERE delivery_id = ?1 AND created_at > ?2) > 1`,
      )
      .bind(id, now - BURST_MS),
    // Counted as human, but no human click is left: take it back.
    bump("human_clicks", -1, `${counted(4, "human_clicked_at")} AND NOT ${human(4)}`),
    d1.prepare(`UPDATE deliveries SET human_clicked_at = NULL WHERE id = ?1 AND human_clicked_at IS NOT NULL AND NOT ${human(1)}`).bind(id),
    bump("human_clicks", 1, `NOT ${counted(4, "human_clicked_at")} AND ${human(4)}`),
    d1.prepare(`UPDATE deliveries SET human_clicked_at = ?2 WHERE id = ?1 AND human_clicked_at IS NULL AND ${human(1)}`).bind(id, now),
    bump("scanner_clicks", 1, `NOT ${counted(4, "scanner_clicked_at")} AND ${scanner(4)}`),
    d1.prepare(`UPDATE deliveries SET scanner_clicked_at = ?2 WHERE id = ?1 AND scanner_clicked_at IS NULL AND ${scanner(1)}`).bind(id, now),
  ]);
}

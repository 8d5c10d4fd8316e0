/** Link checkers of mail gateways and common HTTP libraries: they follow every link, people do not. */
const SCANNER_AGENTS =
  /bingpreview|safelinks|barracuda|proofpoint|mimecast|ironport|symantec|trendmicro|forcepoint|sophos|fireeye|fortiguard|googleimageproxy|google-safety|headless|phantomjs|python-requests|python-urllib|aiohttp|curl\/|wget|go-http-client|okhttp|java\/|libwww|scrapy|node-fetch|axios|undici|urlscan/i;

/** A person cannot open an email and click within this long after it left. */
export const TOO_SOON_MS = 15_000;
/** Two different links of one email within this long of each other: a scanner walking the links. */
export const BURST_MS = 1_000;

export type ScannerReason = "head" | "user-agent" | "too-soon" | "burst";
/** What the request alone tells (the edge knows no sent time and no other click). */
export type RequestReason = Extract<ScannerReason, "head" | "user-agent">;

/** Why this request looks automated by itself, or null: decided where the request is answered. */
export function requestReason(method: string, userAgent: string | undefined): RequestReason | null {
  if (method === "HEAD") return "head";
  if (!userAgent || SCANNER_AGENTS.test(userAgent)) return "user-agent";
  return null;
}

/** The request's reason, else too soon after sending (not yet recorded as sent means it only just left). */
export function clickReason(
  reason: RequestReason | null,
  at: number,
  sentAt: number | null,
): Exclude<ScannerReason, "burst"> | null {
  if (reason) return reason;
  if (sentAt === null || at - sentAt < TOO_SOON_MS) return "too-soon";
  return null;
}

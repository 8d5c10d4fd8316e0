import type { CompiledSeries, SendWindow } from "../content/types";
import { instantOfLocal, isValidTimezone, localTime } from "../lib/timezone";
import { DAY_MS } from "../lib/durations";

const DAY_MINUTES = 24 * 60;
const EVERY_DAY = [1, 2, 3, 4, 5, 6, 7];

const clockMinutes = (clock: string) => {
  const [hours, minutes] = clock.split(":").map(Number);
  return hours! * 60 + minutes!;
};

/** The window's minutes of the day (the whole day without one). */
function windowMinutes(window: SendWindow | undefined): { start: number; end: number } {
  return window && window.days.length > 0
    ? { start: clockMinutes(window.start), end: clockMinutes(window.end) }
    : { start: 0, end: DAY_MINUTES };
}

/** The part of `hour` inside the window, in minutes of the day; null when they do not meet. */
function hourInWindow(window: SendWindow | undefined, hour: number): { start: number; end: number } | null {
  const { start, end } = windowMinutes(window);
  const from = Math.max(start, hour * 60);
  const to = Math.min(end, hour * 60 + 60);
  return from < to ? { start: from, end: to } : null;
}

/** The hours a reader may choose in this window (all 24 without one): those that overlap it. */
export function sendableHours(window: SendWindow | undefined): number[] {
  return Array.from({ length: 24 }, (_, hour) => hour).filter((hour) => hourInWindow(window, hour) !== null);
}

/**
 * The first instant ≥ `ms` inside the weekly window and, when the reader chose one, inside their preferred hour,
 * both on the reader's wall clock. An hour outside the window (the writer moved the window since) is ignored.
 * No window and no hour: `ms` itself.
 */
export function nextSendableTime(
  ms: number,
  window: SendWindow | undefined,
  zone: string,
  hour: number | null = null,
): number {
  const windowed = window !== undefined && window.days.length > 0;
  const span = (hour === null ? null : hourInWindow(window, hour)) ?? (windowed ? windowMinutes(window) : null);
  if (!span) return ms;
  const days = windowed ? window.days : EVERY_DAY;
  const today = localTime(ms, zone);
  // Walk calendar dates (not 24 h steps, which skip or repeat days across DST changes).
  for (let offset = 0; offset <= 8; offset++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const weekday = date.getUTCDay() === 0 ? 7 : date.getUTCDay();
    if (!days.includes(weekday)) continue;
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    const opens = instantOfLocal(zone, y, m, d, span.start);
    const closes = instantOfLocal(zone, y, m, d, span.end);
    if (ms < opens) return opens;
    if (ms < closes) return ms;
  }
  return ms + DAY_MS; // unreachable with a valid window; never schedule in the past
}

/**
 * When a claim at `ms` sends: at once inside the window and, for a reader with a preferred hour, during that hour
 * or the hour after it (a part due late in its hour and claimed a little later still goes that day); otherwise at
 * the window's and the hour's next opening.
 */
export function claimableAt(
  ms: number,
  window: SendWindow | undefined,
  zone: string,
  hour: number | null = null,
): number {
  const inWindow = nextSendableTime(ms, window, zone) === ms;
  if (inWindow && (hour === null || hourInWindow(window, hour) === null)) return ms;
  const sinceHour = (localTime(ms, zone).minutes - hour! * 60 + DAY_MINUTES) % DAY_MINUTES;
  return inWindow && sinceHour < 120 ? ms : nextSendableTime(ms, window, zone, hour);
}

/** The reader's own zone when the runtime knows it; otherwise (none, or an invalid stored value) the series'. */
export function readerZone(series: CompiledSeries, timezone: string | null | undefined): string {
  return timezone && isValidTimezone(timezone) ? timezone : series.timezone;
}

/**
 * When part `partNumber` is due for a reader whose previous step happened at `fromMs`, in the series' window and
 * the reader's preferred hour (`sendHour`); null if no such part.
 */
export function dueAtForPart(
  series: CompiledSeries,
  partNumber: number,
  fromMs: number,
  timezone: string | null | undefined,
  sendHour: number | null = null,
): number | null {
  const part = series.parts[partNumber - 1];
  if (!part) return null;
  return nextSendableTime(fromMs + part.delayMs, series.sendWindow, readerZone(series, timezone), sendHour);
}

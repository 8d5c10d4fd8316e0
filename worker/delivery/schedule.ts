import type { CompiledSeries, SendWindow } from "../content/types";
import { instantOfLocal, isValidTimezone, localTime } from "../lib/timezone";

const DAY_MS = 24 * 60 * 60 * 1000;

const clockMinutes = (clock: string) => {
  const [hours, minutes] = clock.split(":").map(Number);
  return hours! * 60 + minutes!;
};

/** The first instant ≥ `ms` inside the weekly window, on the reader's wall clock. No window: `ms` itself. */
export function nextSendableTime(ms: number, window: SendWindow | undefined, zone: string): number {
  if (!window || window.days.length === 0) return ms;
  const start = clockMinutes(window.start);
  const end = clockMinutes(window.end);
  const today = localTime(ms, zone);
  // Walk calendar dates (not 24 h steps, which skip or repeat days across DST changes).
  for (let offset = 0; offset <= 8; offset++) {
    const date = new Date(Date.UTC(today.year, today.month - 1, today.day + offset));
    const weekday = date.getUTCDay() === 0 ? 7 : date.getUTCDay();
    if (!window.days.includes(weekday)) continue;
    const [y, m, d] = [date.getUTCFullYear(), date.getUTCMonth() + 1, date.getUTCDate()];
    const opens = instantOfLocal(zone, y, m, d, start);
    const closes = instantOfLocal(zone, y, m, d, end);
    if (ms < opens) return opens;
    if (ms < closes) return ms;
  }
  return ms + DAY_MS; // unreachable with a valid window; never schedule in the past
}

/** The reader's own zone when the runtime knows it; otherwise (none, or an invalid stored value) the series'. */
export function readerZone(series: CompiledSeries, timezone: string | null | undefined): string {
  return timezone && isValidTimezone(timezone) ? timezone : series.timezone;
}

/** When part `partNumber` is due for a reader whose previous step happened at `fromMs`; null if no such part. */
export function dueAtForPart(
  series: CompiledSeries,
  partNumber: number,
  fromMs: number,
  timezone: string | null | undefined,
): number | null {
  const part = series.parts[partNumber - 1];
  if (!part) return null;
  return nextSendableTime(fromMs + part.delayMs, series.sendWindow, readerZone(series, timezone));
}

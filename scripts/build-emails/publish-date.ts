import { localTime } from "../../worker/lib/timezone";

/**
 * A part's `publish` value, read from the writer's own text (YAML would turn `2027-01-15T09:00:00` into a UTC
 * instant and lose that no offset was written). Three forms:
 *   2027-01-15                    midnight, in the series' time zone
 *   2027-01-15T09:00 (or :00)     that wall-clock time, in the series' time zone
 *   2027-01-15T09:00+01:00 / …Z   that instant
 */
export type PublishDate = { ok: true; at: number } | { ok: false; message: string };

const FORM = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?)?$/;
const MINUTE = 60_000;
const DAY = 86_400_000;

/** The value of a front matter line (`publish: "2027-01-15" # note` → 2027-01-15). */
export function frontMatterValue(line: string): string {
  const value = line
    .slice(line.indexOf(":") + 1)
    .replace(/\s+#.*$/, "")
    .trim();
  return /^(["']).*\1$/.test(value) ? value.slice(1, -1) : value;
}

export function parsePublishDate(text: string, zone: string): PublishDate {
  const m = FORM.exec(text);
  const wrong = {
    ok: false,
    message: `publish "${text}": expected YYYY-MM-DD or YYYY-MM-DDTHH:MM (in the series' time zone, ${zone}) or an instant with its offset (YYYY-MM-DDTHH:MM+01:00, …Z)`,
  } as const;
  if (!m) return wrong;
  const [year, month, day, hour = 0, minute = 0, second = 0] = m
    .slice(1, 7)
    .map((v) => (v === undefined ? undefined : Number(v)));
  const wall = Date.UTC(year!, month! - 1, day!, hour, minute, second);
  const back = new Date(wall);
  // Date.UTC rolls 2027-02-30 over to March: a value that does not come back as written is no date.
  if (back.getUTCMonth() !== month! - 1 || back.getUTCDate() !== day || hour > 23 || minute > 59 || second > 59)
    return wrong;
  const offset = m[7];
  if (offset) {
    if (offset === "Z") return { ok: true, at: wall };
    const [oh, om] = offset.slice(1).split(":").map(Number);
    if (oh! > 14 || om! > 59) return wrong;
    return { ok: true, at: wall - (offset.startsWith("-") ? -1 : 1) * (oh! * 60 + om!) * MINUTE };
  }
  const instants = instantsOfWallTime(wall, zone);
  if (instants.length === 0) {
    return {
      ok: false,
      message: `publish "${text}": that time does not exist in ${zone} (the clocks skip it); choose another, or write the instant with its offset`,
    };
  }
  if (instants.length > 1) {
    return {
      ok: false,
      message: `publish "${text}": that time happens twice in ${zone} (the clocks go back); write the instant with its offset`,
    };
  }
  return { ok: true, at: instants[0]! };
}

/** Every instant at which the clocks of `zone` show `wall` (a UTC-coded wall time): none in a gap, two in an overlap. */
function instantsOfWallTime(wall: number, zone: string): number[] {
  const wallOf = (ms: number) => {
    const t = localTime(ms, zone);
    return Date.UTC(t.year, t.month - 1, t.day, 0, t.minutes) + (ms % MINUTE);
  };
  // The zone's offsets a day either side: a transition between them is where a wall time is skipped or repeated.
  const offsets = new Set([wall - DAY, wall + DAY].map((ms) => wallOf(ms) - ms));
  return [...new Set([...offsets].map((offset) => wall - offset))]
    .filter((ms) => wallOf(ms) === wall)
    .sort((a, b) => a - b);
}

/** An instant as the series' readers' clocks show it, for the build's "scheduled" lines: "2027-01-15 09:00 Europe/Paris". */
export function formatWallTime(ms: number, zone: string): string {
  const t = localTime(ms, zone);
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(Math.floor(t.minutes / 60))}:${pad(t.minutes % 60)} ${zone}`;
}

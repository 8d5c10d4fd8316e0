import { findSeries, listSeries } from "../content/catalog";
import type { CompiledSeries } from "../content/types";
import type { D1Meter } from "../delivery/d1-meter";
import { statsSql } from "./stats-queries";
import { COMPLAINT_THRESHOLD, COMPLAINT_WINDOW } from "../feedback/complaint-guard";
import { PART_COUNTERS, type PartCounter } from "./part-stats";

export type PartStats = Record<PartCounter, number> & {
  /** Position in the series today; null for a part since removed (its counters are kept). */
  part: number | null;
  /** The part's id: its counters follow it wherever it moves in the series. */
  id: string;
  title: string | null;
  /** When it is released (ISO 8601), from its `publish` front matter; null = with the deploy. Later than now = scheduled. */
  publishAt: string | null;
  /** Active readers whose next part is this one (for a scheduled part: who get it at its release). */
  waiting: number;
};

export interface SeriesStats {
  series: string;
  title: string | null;
  /** Subscriptions to this series by status. */
  subscribers: Record<string, number>;
  /** Active readers who have every part so far. */
  caughtUp: number;
  paused: boolean;
  pausedAt: number | null;
  pauseReason: string | null;
  complaintGuard: {
    threshold: number;
    window: number;
    /** As of the last complaint (the guard runs on each one); null = none yet. */
    complaintsInWindow: number | null;
    checkedAt: number | null;
  };
  /** The "Still reading?" rule (docs/reengagement.md): its settings, and what it did since it was on. */
  stillReading: {
    /** Null: the rule is off for this series. */
    rule: { afterParts: number; graceDays: number; countOpens: boolean } | null;
    /** "Still reading?" emails sent. */
    asked: number;
    /** Keep buttons pressed. */
    kept: number;
    /** Subscriptions paused because the question went unanswered. */
    paused: number;
  };
  parts: PartStats[];
}

export const STATS_NOTES = {
  opened: "Unreliable: mail privacy proxies (Apple Mail, Gmail's image cache) open every email they fetch.",
  unsubscribes: "Readers who left within 7 days of receiving that part.",
  clicks: "Action links: human clicks and link-scanner clicks (flagged, kept apart).",
  bounces: "Permanent bounces, including addresses on Resend's suppression list.",
};

/** The D1 meter counts what the read costs: the API answers it beside the stats. */
export async function readSeriesStats(
  deps: { meter: D1Meter },
  input: { series?: string } = {},
): Promise<{ series: SeriesStats[]; notes: typeof STATS_NOTES; openedUnreliable: true }> {
  const { meter } = deps;
  const { series } = input;
  const filter = series ?? null;
  const [readers, counters, states, checks, stillReading] = await meter.batch<unknown>([
    meter.db.prepare(statsSql.readers).bind(filter),
    meter.db.prepare(statsSql.counters).bind(filter),
    meter.db.prepare(statsSql.seriesState),
    meter.db.prepare(statsSql.guardChecks),
    meter.db.prepare(statsSql.stillReading).bind(filter),
  ]);

  const slugs = new Set<string>(series ? [series] : listSeries().map((s) => s.slug));
  if (!series)
    for (const row of [...(readers!.results as { series: string }[]), ...(counters!.results as { series: string }[])])
      slugs.add(row.series);

  const out = new Map<string, SeriesStats>();
  const seriesOf = (slug: string) => {
    let entry = out.get(slug);
    if (!entry) {
      const compiled = findSeries(slug);
      entry = {
        series: slug,
        title: compiled?.title ?? null,
        subscribers: { active: 0, pending: 0, paused: 0, stopped: 0 },
        caughtUp: 0,
        paused: false,
        pausedAt: null,
        pauseReason: null,
        complaintGuard: {
          threshold: COMPLAINT_THRESHOLD,
          window: COMPLAINT_WINDOW,
          complaintsInWindow: null,
          checkedAt: null,
        },
        stillReading: { rule: ruleOf(compiled), asked: 0, kept: 0, paused: 0 },
        parts: (compiled?.parts ?? []).map((part) =>
          emptyPart(part.number, part.id, part.title, part.publishAt ?? null),
        ),
      };
      out.set(slug, entry);
    }
    return entry;
  };
  const partOf = (entry: SeriesStats, id: string) => {
    let part = entry.parts.find((p) => p.id === id);
    if (!part) {
      part = emptyPart(null, id, null, null); // removed from the catalog: listed after the current parts
      entry.parts.push(part);
    }
    return part;
  };
  for (const slug of slugs) seriesOf(slug);

  for (const row of readers!.results as { series: string; status: string; part: number; n: number }[]) {
    const entry = seriesOf(row.series);
    entry.subscribers[row.status] = (entry.subscribers[row.status] ?? 0) + row.n;
    if (row.status !== "active") continue;
    const waitingFor = findSeries(row.series)?.parts[row.part - 1];
    if (!waitingFor) entry.caughtUp += row.n;
    else partOf(entry, waitingFor.id).waiting += row.n;
  }
  for (const row of counters!.results as (Record<PartCounter, number> & { series: string; partId: string })[]) {
    const part = partOf(seriesOf(row.series), row.partId);
    for (const key of PART_COUNTERS) part[key] = row[key];
  }
  for (const row of states!.results as { series: string; pausedAt: number | null; pauseReason: string | null }[]) {
    const entry = out.get(row.series);
    if (!entry) continue;
    entry.paused = row.pausedAt !== null;
    entry.pausedAt = row.pausedAt;
    entry.pauseReason = row.pauseReason;
  }
  for (const row of stillReading!.results as { series: string; asked: number; kept: number; paused: number }[]) {
    const entry = out.get(row.series);
    if (entry) entry.stillReading = { ...entry.stillReading, asked: row.asked, kept: row.kept, paused: row.paused };
  }
  // Newest first: the first check seen for a series is its latest.
  for (const row of checks!.results as { data: string; at: number }[]) {
    const data = JSON.parse(row.data) as { series: string; complaintsInWindow: number };
    const entry = out.get(data.series);
    if (!entry || entry.complaintGuard.checkedAt !== null) continue;
    entry.complaintGuard.complaintsInWindow = data.complaintsInWindow;
    entry.complaintGuard.checkedAt = row.at;
  }
  return { series: [...out.values()], notes: STATS_NOTES, openedUnreliable: true };
}

function ruleOf(series: CompiledSeries | undefined): SeriesStats["stillReading"]["rule"] {
  const rule = series?.reengage;
  return rule ? { afterParts: rule.afterParts, graceDays: rule.graceDays, countOpens: rule.countOpens } : null;
}

function emptyPart(part: number | null, id: string, title: string | null, publishAt: string | null): PartStats {
  const counters = Object.fromEntries(PART_COUNTERS.map((key) => [key, 0])) as Record<PartCounter, number>;
  return { part, id, title, publishAt, ...counters, waiting: 0 };
}

import type { AppDeps } from "../app-deps";
import { findSeries } from "../content/catalog";
import type { ClickMessage } from "../env";
import { decideClicks, parseMarks, type ClickDecision } from "./click-marks";
import { clickSql } from "./click-queries";

interface DeliveryRow {
  id: number;
  subscriptionId: number;
  series: string;
  partId: string;
  sentAt: number | null;
  humanClickedAt: number | null;
  scannerClickedAt: number | null;
  clickMarks: string | null;
}

/** What one call did, for the consumer's log line and the tests. */
export interface ClicksRecorded {
  clicks: number;
  /** New rows in clicks. */
  recorded: number;
  /** Already recorded (a redelivered message, or two consumers at once). */
  duplicates: number;
  /** Past the per-link or per-email cap: changed nothing. */
  capped: number;
  /** No such delivery (erased), or not the part the link named. */
  dropped: number;
  /** Earlier person-clicks turned into a burst. */
  flagged: number;
  /** Deliveries another writer changed between our read and our write: read and decided again. */
  conflicts: number;
  d1RoundTrips: number;
  /** Ids of clicks still not applied after repeated conflicts: their messages go back on the queue. */
  retry: string[];
}

const ATTEMPTS = 3;
const canonical = (slug: string) => findSeries(slug)?.slug ?? slug;

/**
 * Records clicks already answered (a queue batch, or one inline): reads their deliveries, decides the scanner
 * rules from each delivery's marks (click-marks.ts), writes rows, flags, counters and marks in one transaction.
 * Safe to run twice with the same clicks, and alongside another call with the same deliveries.
 */
export async function recordClicks(deps: Pick<AppDeps, "db">, clicks: ClickMessage[]): Promise<ClicksRecorded> {
  const { db: d1 } = deps;
  const summary: ClicksRecorded = {
    clicks: clicks.length,
    recorded: 0,
    duplicates: 0,
    capped: 0,
    dropped: 0,
    flagged: 0,
    conflicts: 0,
    d1RoundTrips: 0,
    retry: [],
  };
  let pending = clicks;
  for (let attempt = 0; attempt < ATTEMPTS && pending.length > 0; attempt++) {
    const byDelivery = new Map<number, ClickMessage[]>();
    for (const click of pending) {
      const its = byDelivery.get(click.deliveryId);
      if (its) its.push(click);
      else byDelivery.set(click.deliveryId, [click]);
    }
    summary.d1RoundTrips++;
    const { results } = await d1
      .prepare(clickSql.readDeliveries)
      .bind(JSON.stringify([...byDelivery.keys()]))
      .all<DeliveryRow>();
    const found = new Map(results.map((row) => [row.id, row]));
    const decided: { row: DeliveryRow; clicks: ClickMessage[]; decision: ClickDecision }[] = [];
    for (const [deliveryId, its] of byDelivery) {
      const row = found.get(deliveryId);
      const theirs = row
        ? its.filter((click) => click.partId === row.partId && canonical(click.series) === canonical(row.series))
        : [];
      summary.dropped += its.length - theirs.length;
      if (!row || theirs.length === 0) continue;
      const decision = decideClicks({ ...row, marks: parseMarks(row.clickMarks) }, theirs);
      if (decision.rows.length === 0 && decision.flagged.length === 0) tally(summary, decision);
      else decided.push({ row, clicks: theirs, decision });
    }
    pending = [];
    if (decided.length === 0) break;
    summary.d1RoundTrips++;
    const applied = await writeDecisions(d1, decided);
    for (const entry of decided) {
      if (applied.has(entry.row.id)) {
        tally(summary, entry.decision);
      } else {
        summary.conflicts++;
        pending.push(...entry.clicks);
      }
    }
  }
  summary.retry = pending.map((click) => click.id);
  return summary;
}

function tally(summary: ClicksRecorded, decision: ClickDecision) {
  summary.recorded += decision.rows.length;
  summary.duplicates += decision.duplicates;
  summary.capped += decision.capped;
  summary.flagged += decision.flagged.length;
}

/** One transaction for every decided delivery; returns the ids whose marks were still as read. */
async function writeDecisions(
  d1: D1Database,
  decided: { row: DeliveryRow; decision: ClickDecision }[],
): Promise<Set<number>> {
  const changes: Record<number, unknown> = {};
  const rows: unknown[] = [];
  const flags: unknown[] = [];
  const signals: Record<number, number> = {};
  for (const { row, decision } of decided) {
    changes[row.id] = {
      old: row.clickMarks,
      new: JSON.stringify(decision.marks),
      h: decision.humanClickedAt,
      s: decision.scannerClickedAt,
      // Counted under the series' current slug, as the sent counter is.
      series: canonical(row.series),
      part: row.partId,
      dh: decision.humanDelta,
      ds: decision.scannerDelta,
    };
    for (const click of decision.rows) {
      rows.push([row.id, click.link, click.reason, click.at]);
      if (click.reason === null) signals[row.subscriptionId] = Math.max(signals[row.subscriptionId] ?? 0, click.at);
    }
    for (const flag of decision.flagged) flags.push([row.id, flag.at, flag.link]);
  }
  const changesJson = JSON.stringify(changes);
  const statements = [d1.prepare(clickSql.insertClicks).bind(changesJson, JSON.stringify(rows))];
  if (flags.length > 0) statements.push(d1.prepare(clickSql.flagBursts).bind(changesJson, JSON.stringify(flags)));
  statements.push(
    d1.prepare(clickSql.countParts).bind(changesJson),
    ...(Object.keys(signals).length > 0
      ? [d1.prepare(clickSql.signalReaders).bind(changesJson, JSON.stringify(signals))]
      : []),
    d1.prepare(clickSql.markDeliveries).bind(changesJson, JSON.stringify(decided.map(({ row }) => row.id))),
  );
  const results = await d1.batch<{ id: number }>(statements);
  return new Set(results.at(-1)!.results.map((result) => result.id));
}

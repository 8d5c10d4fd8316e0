import type { ClickMessage } from "../env";
import { BURST_MS, clickReason, type ScannerReason } from "./scanner-rules";

/**
 * What a delivery keeps of its clicks (deliveries.click_marks): every kept click as [at, link, human, id], so
 * the scanner rules are decided from this one row, whatever order the clicks arrive in and however the queue
 * splits them, and a redelivered click (same id) is recognised. Never the clicks table: retention deletes it.
 */
export type ClickMark = [at: number, link: number, human: 0 | 1, id: string];

/** The first clicks per link and per email are kept; past that a click changes nothing (a token hammered). */
export const MAX_CLICKS_PER_LINK = 5;
export const MAX_CLICKS_PER_DELIVERY = 50;

/** A delivery as the consumer reads it. */
export interface DeliveryClicks {
  sentAt: number | null;
  humanClickedAt: number | null;
  scannerClickedAt: number | null;
  marks: ClickMark[];
}

/** What the new clicks change: the rows to add, earlier rows now flagged as a burst, and the delivery's marks. */
export interface ClickDecision {
  rows: { link: number; at: number; reason: ScannerReason | null }[];
  /** Earlier human clicks (by time and link) that a new click turned into a burst. */
  flagged: { at: number; link: number }[];
  marks: ClickMark[];
  humanClickedAt: number | null;
  scannerClickedAt: number | null;
  /** The part's counters: +1/-1 human (a burst can take back its only person-click), +1 scanner. */
  humanDelta: -1 | 0 | 1;
  scannerDelta: 0 | 1;
  duplicates: number;
  capped: number;
}

/** Stored marks, or none: the column is ours, but a row edited by hand must not stop the queue. */
export function parseMarks(text: string | null): ClickMark[] {
  if (!text) return [];
  try {
    const marks = JSON.parse(text) as unknown;
    return Array.isArray(marks) ? (marks as ClickMark[]) : [];
  } catch {
    return [];
  }
}

type NewClick = Pick<ClickMessage, "id" | "link" | "at" | "reason">;

/**
 * The scanner rules over the delivery's kept clicks plus the new ones: `head` and `user-agent` from the request,
 * `too-soon` from the sent time, and `burst` when another link of the same email was clicked less than BURST_MS
 * before or after (either order of arrival gives the same answer). The delivery counts once as a human click while
 * one of its clicks is a person's, once as a scanner click from its first flagged one.
 */
export function decideClicks(delivery: DeliveryClicks, clicks: NewClick[]): ClickDecision {
  const marks: ClickMark[] = delivery.marks.map((mark) => [...mark]);
  const earlier = new Set(marks);
  const ids = new Set(marks.map((mark) => mark[3]));
  const perLink = new Map<number, number>();
  for (const mark of marks) perLink.set(mark[1], (perLink.get(mark[1]) ?? 0) + 1);

  let duplicates = 0;
  let capped = 0;
  const added: { mark: ClickMark; reason: ScannerReason | null }[] = [];
  for (const click of [...clicks].sort((a, b) => a.at - b.at)) {
    if (ids.has(click.id)) {
      duplicates++;
      continue;
    }
    if (marks.length >= MAX_CLICKS_PER_DELIVERY || (perLink.get(click.link) ?? 0) >= MAX_CLICKS_PER_LINK) {
      capped++;
      continue;
    }
    ids.add(click.id);
    perLink.set(click.link, (perLink.get(click.link) ?? 0) + 1);
    const reason = clickReason(click.reason, click.at, delivery.sentAt);
    const mark: ClickMark = [click.at, click.link, reason === null ? 1 : 0, click.id];
    marks.push(mark);
    added.push({ mark, reason });
  }

  // A new click and every other-link click within BURST_MS of it are a burst, new or kept.
  const burst = new Set<ClickMark>();
  for (const { mark } of added) {
    for (const other of marks) {
      if (other[1] !== mark[1] && Math.abs(other[0] - mark[0]) < BURST_MS) burst.add(mark).add(other);
    }
  }
  const rows = added.map(({ mark, reason }) => ({
    link: mark[1],
    at: mark[0],
    reason: reason ?? (burst.has(mark) ? "burst" : null),
  }));
  const flagged = new Map<string, { at: number; link: number }>();
  for (const mark of burst) {
    if (mark[2] === 1 && earlier.has(mark)) flagged.set(`${mark[0]}:${mark[1]}`, { at: mark[0], link: mark[1] });
    mark[2] = 0;
  }

  const humanClickedAt = humanSince(delivery, marks);
  const firstScanner = minAt(marks.filter((mark) => mark[2] === 0));
  const scannerClickedAt = delivery.scannerClickedAt ?? firstScanner;
  return {
    rows,
    flagged: [...flagged.values()],
    marks,
    humanClickedAt,
    scannerClickedAt,
    humanDelta: ((humanClickedAt !== null ? 1 : 0) - (delivery.humanClickedAt !== null ? 1 : 0)) as -1 | 0 | 1,
    scannerDelta: delivery.scannerClickedAt === null && scannerClickedAt !== null ? 1 : 0,
    duplicates,
    capped,
  };
}

/**
 * The delivery's first person-click: from its marks, unless it was set by a click the marks do not hold (recorded
 * before marks existed, or its marks were cleared by retention): such a click is long settled and stays.
 */
function humanSince(delivery: DeliveryClicks, marks: ClickMark[]): number | null {
  const settled =
    delivery.humanClickedAt !== null && !delivery.marks.some((mark) => mark[0] === delivery.humanClickedAt);
  if (settled) return delivery.humanClickedAt;
  return minAt(marks.filter((mark) => mark[2] === 1));
}

const minAt = (marks: ClickMark[]): number | null => (marks.length ? Math.min(...marks.map((mark) => mark[0])) : null);

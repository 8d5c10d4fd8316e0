import type { AppDeps } from "../app-deps";
import { findPartById, listSeries } from "../content/catalog";
import { releasedCount, releasedSeries } from "../content/release";
import type { CompiledSeries } from "../content/types";
import { HOLD_FOR_HOUR_MS } from "../delivery/delivery-queries";
import { claimableAt, nextSendableTime, readerZone, sendableHours } from "../delivery/schedule";
import { emailWebUrl } from "../lib/public-url";
import { signDeliveryTokens } from "../tokens";
import { NEXT_PART_NOW_PER_DAY } from "./next-part-now";
import { DAY_MS } from "../lib/durations";
import type { PreferenceState } from "./read-preferences";

/** Where the reader stands in this series, in the words the page uses. */
export type Standing =
  | { kind: "reading" }
  | { kind: "paused"; until: number | null }
  | { kind: "left" }
  | { kind: "pending" }
  | { kind: "unsubscribed" }
  | { kind: "suppressed"; reason: "bounced" | "complained" };

export type NextPart =
  /** Claimed, or due already: the next cycle (a minute at most) sends it. */
  | { kind: "on_its_way"; number: number; title: string }
  | { kind: "due"; number: number; title: string; at: number }
  /** Every released part received: when the next is planned, if the catalog says. */
  | { kind: "caught_up"; plannedAt: number | null; cadence: string };

export type NextNow =
  | { kind: "offer"; number: number; left: number; leavesAt: number | null }
  | { kind: "capped"; againAt: number };

export interface PreferencesView {
  token: string;
  series: CompiledSeries;
  email: string;
  name: string | null;
  standing: Standing;
  /** The zone times are shown in (theirs, or the series'), and what they chose (null: the series'). */
  zone: string;
  timezone: string | null;
  sendHour: number | null;
  hours: number[];
  /** When each left: an instant, or (kept by retention) its UTC day. */
  received: {
    number: number | null;
    title: string;
    url: string;
    sentAt: number | null;
    sentOn: string | null;
    onItsWay: boolean;
  }[];
  next: NextPart | null;
  nextNow: NextNow | null;
  /** The writer's other series this reader may join in one press (none unless their address is proven and reading). */
  others: CompiledSeries[];
  /** They left this series but still read: one press brings them back, at `nextPartNumber`. */
  canRejoin: boolean;
  nextPartNumber: number;
}

function standingOf(state: PreferenceState): Standing {
  if (state.readerStatus === "bounced" || state.readerStatus === "complained")
    return { kind: "suppressed", reason: state.readerStatus };
  if (state.readerStatus === "unsubscribed") return { kind: "unsubscribed" };
  if (state.status === "stopped") return { kind: "left" };
  if (state.status === "pending" || state.readerStatus === "pending") return { kind: "pending" };
  if (state.status === "paused" || state.readerStatus === "paused")
    return { kind: "paused", until: state.status === "paused" ? state.pausedUntil : null };
  return { kind: "reading" };
}

/**
 * When the claim will send the next part (claim-batch.ts): at its due time in the window, and in the reader's hour
 * unless they asked for it or it is overdue by more than the claim holds for (queries.ts insertDeliveries).
 */
function expectedAt(state: PreferenceState, series: CompiledSeries, zone: string, now: number): number {
  const due = Math.max(now, state.dueAt ?? now);
  const asked = state.askedAt !== null && state.askedAt === state.dueAt;
  const held = !asked && (state.dueAt === null || state.dueAt >= now - HOLD_FOR_HOUR_MS);
  return claimableAt(due, series.sendWindow, zone, held ? state.sendHour : null);
}

function nextPartOf(state: PreferenceState, series: CompiledSeries, zone: string, now: number): NextPart | null {
  const released = releasedSeries(series, now);
  const part = released.parts[state.nextPart - 1];
  if (!part) {
    const planned = series.parts[releasedCount(series, now)]?.publishAt;
    return { kind: "caught_up", plannedAt: planned ? Date.parse(planned) : null, cadence: series.cadence };
  }
  if (standingOf(state).kind !== "reading") return null;
  const at = expectedAt(state, series, zone, now);
  if (state.batchId !== null || (state.dueAt !== null && at <= now))
    return { kind: "on_its_way", number: part.number, title: part.title };
  // Due null with a part out: the next cycle wakes the reader (a release, or a resume).
  return state.dueAt === null
    ? { kind: "on_its_way", number: part.number, title: part.title }
    : { kind: "due", number: part.number, title: part.title, at };
}

function nextNowOf(
  state: PreferenceState,
  next: NextPart | null,
  series: CompiledSeries,
  zone: string,
  now: number,
): NextNow | null {
  // Asked for already (held only by the series' window): the page says when it leaves.
  const asked = state.askedAt !== null && state.askedAt === state.dueAt;
  if (next?.kind !== "due" || state.readerStatus !== "active" || asked) return null;
  if (state.asksToday >= NEXT_PART_NOW_PER_DAY && state.oldestAskAt !== null)
    return { kind: "capped", againAt: state.oldestAskAt + DAY_MS };
  const leaves = nextSendableTime(now, series.sendWindow, zone);
  return {
    kind: "offer",
    number: next.number,
    left: NEXT_PART_NOW_PER_DAY - state.asksToday,
    leavesAt: leaves > now ? leaves : null,
  };
}

/** Everything the preference page shows, from one read of the subscription (and one signature per part link in a readers-only archive). */
export function preferencesView(
  deps: Pick<AppDeps, "config" | "clock">,
  { state, series, token }: { state: PreferenceState; series: CompiledSeries; token: string },
): PreferencesView {
  const { config } = deps;
  const now = deps.clock();
  const zone = readerZone(series, state.timezone);
  const standing = standingOf(state);
  const received = state.received
    .filter((delivery) => delivery.status !== "failed")
    .map((delivery) => {
      const part = findPartById(series, delivery.partId);
      const live = delivery.deliveryId !== null;
      // A readers-only archive opens each part with the token of the email that carried it (live ones only).
      const readersOnly = series.archive === "subscribers";
      const reader = readersOnly && live ? signDeliveryTokens(config.keyring, delivery.deliveryId).reader : "";
      return {
        number: part?.number ?? null,
        title: part?.title ?? "A part no longer published",
        url: part && (live || !readersOnly) ? emailWebUrl(config, series, part.id, reader) : "",
        sentAt: live ? delivery.sentAt : null,
        sentOn: live ? null : delivery.sentOn,
        onItsWay: delivery.status === "claimed",
      };
    });
  const next = nextPartOf(state, series, zone, now);
  const reading = state.readerStatus === "active" || state.readerStatus === "paused";
  const joined = new Set(
    state.subscriptions.filter((s) => s.status === "active" || s.status === "paused").map((s) => s.series),
  );
  return {
    token,
    series,
    email: state.email,
    name: state.name,
    standing,
    zone,
    timezone: state.timezone,
    sendHour: state.sendHour,
    hours: sendableHours(series.sendWindow),
    received,
    next,
    nextNow: nextNowOf(state, next, series, zone, now),
    others: reading ? listSeries().filter((other) => other.slug !== series.slug && !joined.has(other.slug)) : [],
    canRejoin: reading && standing.kind === "left",
    nextPartNumber: state.nextPart,
  };
}

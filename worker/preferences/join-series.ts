import type { AppDeps } from "../app-deps";
import { releasedSeries } from "../content/release";
import type { CompiledSeries } from "../content/types";
import { dueAtForPart } from "../delivery/schedule";
import { keyedHash } from "../lib/crypto";
import { growthSql } from "../stats/growth-queries";
import { joinSql } from "./preference-queries";

/** What the page says above the join buttons: the consent each gives (bump the version when the words change). */
export const JOIN_CONSENT_TEXT =
  "Joining sends you its parts by email, in order, starting with part 1; you can pause or leave at any time.";
export const JOIN_CONSENT_TEXT_VERSION = "preferences-2026-12-01";

export interface JoinInput {
  subscriberId: number;
  timezone: string | null;
  series: CompiledSeries;
  /** The reader's subscription to it, if they had one (left, or never confirmed). */
  existing: { nextPart: number; sendHour: number | null } | null;
  ip?: string;
  userAgent?: string;
}

export type JoinResult = { kind: "joined"; subscriptionId: number } | { kind: "not_joined" };

/**
 * Joins another series of the writer in one press: the address is proven already (the reader came from a link
 * sent to it), so the consent is recorded with its source ("preferences") and confirmed at once, and the next
 * part is due as after a confirmation.
 */
export async function joinSeries(
  deps: Pick<AppDeps, "db" | "config" | "clock">,
  input: JoinInput,
): Promise<JoinResult> {
  const { db, config } = deps;
  const now = deps.clock();
  const { subscriberId, series } = input;
  const nextPart = input.existing?.nextPart ?? 1;
  const dueAt = dueAtForPart(
    releasedSeries(series, now),
    nextPart,
    now,
    input.timezone,
    input.existing?.sendHour ?? null,
  );
  const [ipHash, userAgentHash] = await Promise.all([
    input.ip ? keyedHash(config.hashSecret, "ip", input.ip) : null,
    input.userAgent ? keyedHash(config.hashSecret, "userAgent", input.userAgent) : null,
  ]);
  const results = await db.batch<{ id: number }>([
    db
      .prepare(joinSql.recordConsent)
      .bind(subscriberId, series.slug, now, JOIN_CONSENT_TEXT_VERSION, ipHash, userAgentHash),
    db.prepare(joinSql.activate).bind(subscriberId, series.slug, now, dueAt),
    db
      .prepare(joinSql.recordEvent)
      .bind(subscriberId, series.slug, now, JSON.stringify({ series: series.slug, source: "preferences" })),
    db.prepare(growthSql.countJoin).bind(series.slug, subscriberId, now),
  ]);
  const id = results[1]!.results[0]?.id;
  return id === undefined ? { kind: "not_joined" } : { kind: "joined", subscriptionId: id };
}

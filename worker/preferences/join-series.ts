import { releasedSeries } from "../content/release";
import type { CompiledSeries } from "../content/types";
import { dueAtForPart } from "../delivery/schedule";
import { keyedHash } from "../lib/crypto";
import { growthSql } from "../stats/growth-counters";

/** What the page says above the join buttons: the consent each gives (bump the version when the words change). */
export const JOIN_CONSENT_TEXT =
  "Joining sends you its parts by email, in order, starting with part 1; you can pause or leave at any time.";
export const JOIN_CONSENT_TEXT_VERSION = "preferences-2026-12-01";

/** ?1 reader, ?2 series, ?3 now. Every write after the consent's is guarded by it (this request recorded it). */
const joined =
  "EXISTS (SELECT 1 FROM consents WHERE subscriber_id = ?1 AND series = ?2 AND confirmed_at = ?3 AND form = 'preferences')";

export const joinSql = {
  /**
   * ?4 consent text version, ?5 ip hash, ?6 user-agent hash. Only for a reader whose address is proven (confirmed,
   * still reading) and who does not read this series yet. Confirmed at once: no email asks for a click.
   */
  recordConsent: `INSERT INTO consents (subscriber_id, series, form, consent_text_version, ip_hash, user_agent_hash, created_at, confirmed_at)
    SELECT ?1, ?2, 'preferences', ?4, ?5, ?6, ?3, ?3
    WHERE EXISTS (SELECT 1 FROM subscribers WHERE id = ?1 AND status IN ('active', 'paused') AND confirmed_at IS NOT NULL)
      AND NOT EXISTS (SELECT 1 FROM subscriptions WHERE subscriber_id = ?1 AND series = ?2 AND status IN ('active', 'paused'))`,
  /**
   * ?4 when its next part is due (part 1 for a new reader; a reader who left it before picks up where they left
   * off). A subscription whose last batch is still in flight gets its due time from that batch's record step.
   */
  activate: `INSERT INTO subscriptions (subscriber_id, series, status, next_part, due_at, created_at, updated_at)
    SELECT ?1, ?2, 'active', 1, ?4, ?3, ?3 WHERE ${joined}
    ON CONFLICT (subscriber_id, series) DO UPDATE SET status = 'active', updated_at = excluded.updated_at, refusals = 0,
      set_aside_reason = NULL, paused_until = NULL, due_at = CASE WHEN batch_id IS NULL THEN excluded.due_at ELSE due_at END
    RETURNING id`,
  recordEvent: `INSERT INTO events (subscriber_id, type, data, created_at) SELECT ?1, 'joined', ?4, ?3 WHERE ${joined}`,
} as const;

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
  d1: D1Database,
  hashSecret: string,
  input: JoinInput,
  now: number,
): Promise<JoinResult> {
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
    input.ip ? keyedHash(hashSecret, "ip", input.ip) : null,
    input.userAgent ? keyedHash(hashSecret, "userAgent", input.userAgent) : null,
  ]);
  const results = await d1.batch<{ id: number }>([
    d1
      .prepare(joinSql.recordConsent)
      .bind(subscriberId, series.slug, now, JOIN_CONSENT_TEXT_VERSION, ipHash, userAgentHash),
    d1.prepare(joinSql.activate).bind(subscriberId, series.slug, now, dueAt),
    d1
      .prepare(joinSql.recordEvent)
      .bind(subscriberId, series.slug, now, JSON.stringify({ series: series.slug, source: "preferences" })),
    d1.prepare(growthSql.countJoin).bind(series.slug, subscriberId, now),
  ]);
  const id = results[1]!.results[0]?.id;
  return id === undefined ? { kind: "not_joined" } : { kind: "joined", subscriptionId: id };
}

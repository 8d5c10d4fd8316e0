import type { CatalogIndex } from "../content/catalog";
import type { ReengageRule } from "../content/types";
import { DAY_MS } from "../lib/durations";

/** The part that completed a streak gets this long to be read before its reader is asked "Still reading?". */
export const ASK_AFTER_MS = DAY_MS;

export const graceMs = (rule: Pick<ReengageRule, "graceDays">) => rule.graceDays * DAY_MS;

/** What a paused subscription says, on the reader's admin page and in their data. */
export const pauseReason = (rule: Pick<ReengageRule, "afterParts" | "graceDays">) =>
  `no sign of reading after ${rule.afterParts} parts; "Still reading?" unanswered for ${rule.graceDays} day${rule.graceDays === 1 ? "" : "s"}`;

interface RuleIndex {
  /** {"<slug or alias>": afterParts} of the series with the rule, bound into the record's SQL; null: none has it. */
  afterPartsJson: string | null;
  /** {"<slug or alias>": pause reason}, bound into the grace end's SQL. */
  reasonsJson: string;
  /** Slugs and aliases of the series whose rule counts opens. */
  countOpens: string[];
}

// One index per catalog (the deployed one, or a test's edited copy): built once, not per batch.
const indexes = new WeakMap<CatalogIndex, RuleIndex>();

export function ruleIndex(catalog: CatalogIndex): RuleIndex {
  let index = indexes.get(catalog);
  if (!index) {
    const afterParts: Record<string, number> = {};
    const reasons: Record<string, string> = {};
    const countOpens: string[] = [];
    for (const series of catalog.catalog.series) {
      const rule = series.reengage;
      if (!rule) continue;
      for (const slug of [series.slug, ...series.aliases]) {
        afterParts[slug] = rule.afterParts;
        reasons[slug] = pauseReason(rule);
        if (rule.countOpens) countOpens.push(slug);
      }
    }
    index = {
      afterPartsJson: Object.keys(afterParts).length > 0 ? JSON.stringify(afterParts) : null,
      reasonsJson: JSON.stringify(reasons),
      countOpens,
    };
    indexes.set(catalog, index);
  }
  return index;
}

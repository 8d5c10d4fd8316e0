/**
 * The committed catalog manifest (emails/catalog-manifest.json): per series, its slug, aliases and ordered part
 * ids. The build compares the new catalog with it, says what changes for readers, refuses what would strand
 * them, and rewrites it, so every catalog edit shows up as a reviewed diff.
 */
import type { CompiledSeries } from "../worker/content/types";

export interface CatalogManifest {
  series: Record<string, { aliases: string[]; parts: string[] }>;
}

export function manifestOf(series: CompiledSeries[]): CatalogManifest {
  return {
    series: Object.fromEntries(series.map((s) => [s.slug, { aliases: s.aliases, parts: s.parts.map((p) => p.id) }])),
  };
}

export interface ManifestComparison {
  /** One line per change readers will notice. */
  changes: string[];
  /** What the build refuses (each names the series). */
  errors: string[];
}

export function compareManifests(previous: CatalogManifest | null, next: CatalogManifest): ManifestComparison {
  const changes: string[] = [];
  const errors: string[] = [];
  const slugs = Object.keys(next.series);
  for (const [slug, entry] of Object.entries(next.series)) {
    for (const alias of entry.aliases) {
      if (next.series[alias]) errors.push(`series "${slug}": alias "${alias}" is the slug of another series`);
      const other = slugs.find((s) => s !== slug && next.series[s]!.aliases.includes(alias));
      if (other) errors.push(`series "${slug}": alias "${alias}" is also an alias of "${other}"`);
    }
  }
  if (!previous) {
    changes.push(`no previous manifest: recording ${slugs.length} series as they are`);
    return { changes, errors };
  }
  for (const [oldSlug, oldEntry] of Object.entries(previous.series)) {
    if (next.series[oldSlug]) continue;
    const renamed = slugs.find((s) => next.series[s]!.aliases.includes(oldSlug));
    if (renamed) {
      changes.push(`series "${oldSlug}" renamed to "${renamed}": its readers keep their place; old links redirect`);
      compareParts(renamed, oldEntry.parts, next.series[renamed]!.parts, changes);
    } else {
      errors.push(
        `series "${oldSlug}" is gone: its readers would be stranded. If it was renamed, add "aliases": ["${oldSlug}"] to the new series.json`,
      );
    }
  }
  for (const [slug, entry] of Object.entries(next.series)) {
    const before = previous.series[slug];
    if (before) compareParts(slug, before.parts, entry.parts, changes);
    else if (!Object.keys(previous.series).some((old) => entry.aliases.includes(old))) {
      changes.push(`new series "${slug}" with ${entry.parts.length} part(s)`);
    }
  }
  return { changes, errors };
}

/** What readers of one series will see: each line says who gets what next. */
function compareParts(slug: string, before: string[], after: string[], changes: string[]) {
  const kept = new Set(after);
  const had = new Set(before);
  for (const id of before) {
    if (!kept.has(id))
      changes.push(`${slug}: removed part "${id}": readers who have not received it skip it; nothing is re-sent`);
  }
  const lastOld = Math.max(-1, ...after.map((id, i) => (had.has(id) ? i : -1)));
  after.forEach((id, i) => {
    if (had.has(id)) return;
    if (i > lastOld) {
      changes.push(`${slug}: added part "${id}" at the end: readers who had every part get it next`);
    } else {
      const following = after.slice(i + 1).find((other) => had.has(other))!;
      changes.push(
        `${slug}: inserted part "${id}" before "${following}": readers already past "${following}" get "${id}" next, then go on where they were`,
      );
    }
  });
  const oldOrder = before.filter((id) => kept.has(id));
  const newOrder = after.filter((id) => had.has(id));
  if (oldOrder.join("\n") !== newOrder.join("\n")) {
    changes.push(
      `${slug}: reordered to ${newOrder.join(", ")}: each reader gets the parts they have not received, in the new order`,
    );
  }
}

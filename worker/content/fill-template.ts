import type { CompiledTemplate, SlotName, Slots } from "./types";

/**
 * Fills {{{slot}}} placeholders per reader. Each distinct template string is split once into
 * literals and slot names; every later fill is a join, so sending to N readers costs N joins.
 */

/** literals.length === names.length + 1; output = literals[0] + value(names[0]) + literals[1] + … */
interface Split {
  literals: string[];
  names: SlotName[];
}

/** Counts splits, so tests can check "once per template string, not once per reader". */
export const templateStats = { compiles: 0 };

// Keyed by the string itself: the catalog is static, so this holds a few dozen entries at most.
const cache = new Map<string, Split>();
const SLOT = /\{\{\{([a-z_]+)\}\}\}/g;

function split(template: string): Split {
  let cached = cache.get(template);
  if (!cached) {
    templateStats.compiles++;
    const literals: string[] = [];
    const names: SlotName[] = [];
    let last = 0;
    for (const m of template.matchAll(SLOT)) {
      literals.push(template.slice(last, m.index));
      names.push(m[1] as SlotName);
      last = m.index + m[0].length;
    }
    literals.push(template.slice(last));
    cached = { literals, names };
    cache.set(template, cached);
  }
  return cached;
}

const HTML_ESCAPES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };
const escapeHtml = (value: string) => value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c]!);
// A CR or LF in a subject would let a value add mail headers.
const oneLine = (value: string) => value.replace(/[\r\n]+/g, " ");
const raw = (value: string) => value;

function fill(template: string, slots: Slots, encode: (value: string) => string): string {
  const { literals, names } = split(template);
  let out = literals[0]!;
  for (let i = 0; i < names.length; i++) {
    const value = slots[names[i]!];
    // A missing slot is a bug in the caller, never something a reader can cause.
    if (value === undefined) throw new Error(`fillTemplate: no value for slot "${names[i]}"`);
    out += encode(value) + literals[i + 1]!;
  }
  return out;
}

export function fillTemplate(template: CompiledTemplate, slots: Slots): CompiledTemplate {
  return {
    subject: fill(template.subject, slots, oneLine),
    html: fill(template.html, slots, escapeHtml),
    text: fill(template.text, slots, raw),
  };
}

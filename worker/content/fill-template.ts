import type { CompiledTemplate, SlotName, Slots } from "./types";

/**
 * Fills {{{slot}}} placeholders per reader. Each distinct template string is split once into
 * literals and slot names; every later fill is a join, so sending to N readers costs N joins.
 */

/** literals.length === names.length + 1; output = literals[0] + value(names[0]) + literals[1] + … */
interface Split {
  literals: string[];
  names: SlotName[];
  /** The literals JSON-escaped (without quotes), made on first JSON fill: the ~10 KB html is escaped once per part. */
  json?: string[];
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

/** A string's JSON escape without its quotes. */
const jsonInner = (value: string) => JSON.stringify(value).slice(1, -1);

/**
 * The filled template as a JSON string literal, equal to JSON.stringify(fill(…)) byte for byte (JSON.stringify
 * escapes per UTF-16 unit, so pieces escaped apart join to the whole; only a surrogate pair split between a
 * literal and a value would come out \u-escaped, which still parses to the same string). Per reader only the
 * slot values are escaped.
 */
function fillJson(template: string, slots: Slots, encode: (value: string) => string): string {
  const cached = split(template);
  const json = (cached.json ??= cached.literals.map(jsonInner));
  const { names } = cached;
  let out = `"${json[0]!}`;
  for (let i = 0; i < names.length; i++) {
    const value = slots[names[i]!];
    if (value === undefined) throw new Error(`fillTemplate: no value for slot "${names[i]}"`);
    out += jsonInner(encode(value)) + json[i + 1]!;
  }
  return `${out}"`;
}

/** fillTemplate's three fields, each as its JSON string literal (for a provider request body built by joins). */
export function fillTemplateJson(template: CompiledTemplate, slots: Slots): CompiledTemplate {
  return {
    subject: fillJson(template.subject, slots, oneLine),
    html: fillJson(template.html, slots, escapeHtml),
    text: fillJson(template.text, slots, raw),
  };
}

export function fillTemplate(template: CompiledTemplate, slots: Slots): CompiledTemplate {
  return {
    subject: fill(template.subject, slots, oneLine),
    html: fill(template.html, slots, escapeHtml),
    text: fill(template.text, slots, raw),
  };
}

import type { Utf8Piece } from "../lib/utf8-join";
import type { CompiledTemplate, SlotName, Slots } from "./types";

/**
 * Fills {{{slot}}} placeholders per reader. Each distinct template string is split once into
 * literals and slot names; every later fill is a join, so sending to N readers costs N joins.
 */

/** literals.length === names.length + 1; output = literals[0] + value(names[0]) + literals[1] + … */
interface Split {
  literals: string[];
  names: SlotName[];
  /** The literals JSON-escaped (without quotes) in UTF-8, made on first JSON fill: the ~10 KB html once per part. */
  bytes?: Uint8Array[];
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

const utf8 = new TextEncoder();
/** A string's JSON escape without its quotes. */
const jsonInner = (value: string) => JSON.stringify(value).slice(1, -1);
const QUOTE = utf8.encode('"');

/**
 * The filled template as a JSON string literal in pieces (lib/utf8-join) that, joined, equal
 * JSON.stringify(fill(…)) byte for byte (JSON.stringify escapes per UTF-16 unit, so pieces escaped apart join to the whole; only a surrogate pair
 * split between a literal and a value would come out \u-escaped, which parses to the same string). The literals
 * are escaped and UTF-8-encoded once per template; per reader only the slot values are escaped, left as strings.
 */
function fillJson(template: string, slots: Slots, encode: (value: string) => string, out: Utf8Piece[]) {
  const cached = split(template);
  const bytes = (cached.bytes ??= cached.literals.map((literal) => utf8.encode(jsonInner(literal))));
  const { names } = cached;
  out.push(QUOTE, bytes[0]!);
  for (let i = 0; i < names.length; i++) {
    const value = slots[names[i]!];
    if (value === undefined) throw new Error(`fillTemplate: no value for slot "${names[i]}"`);
    out.push(jsonInner(encode(value)), bytes[i + 1]!);
  }
  out.push(QUOTE);
}

/** fillTemplate's three fields, each as its JSON string literal in pieces (for a request body built by copies). */
export function fillTemplateJson(template: CompiledTemplate, slots: Slots): Record<keyof CompiledTemplate, Utf8Piece[]> {
  const subject: Utf8Piece[] = [];
  const html: Utf8Piece[] = [];
  const text: Utf8Piece[] = [];
  fillJson(template.subject, slots, oneLine, subject);
  fillJson(template.html, slots, escapeHtml, html);
  fillJson(template.text, slots, raw, text);
  return { subject, html, text };
}

export function fillTemplate(template: CompiledTemplate, slots: Slots): CompiledTemplate {
  return {
    subject: fill(template.subject, slots, oneLine),
    html: fill(template.html, slots, escapeHtml),
    text: fill(template.text, slots, raw),
  };
}

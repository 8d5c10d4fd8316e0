import type { CompiledTemplate, SlotName, Slots } from "./types";

/**
 * Fills {{{slot}}} placeholders. Each distinct template string is split once into literals and slot names; a
 * part is then prepared once for all its readers (prepareTemplate), and each reader's copy is a join.
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

export type Field = keyof CompiledTemplate;
const ENCODERS: Record<Field, (value: string) => string> = { subject: oneLine, html: escapeHtml, text: raw };

/** What JSON.stringify escapes: quote, backslash, control characters, lone surrogates (here: any surrogate). */
const JSON_ESCAPED = /["\\\u0000-\u001f\ud800-\udfff]/;
/** A string's JSON escape without its quotes; most values (links, tokens, names) need none. */
export const jsonInner = (value: string) => (JSON_ESCAPED.test(value) ? JSON.stringify(value).slice(1, -1) : value);

/** One field of a prepared template: literals (shared slots filled in, escaped) around the reader's slots. */
export interface PreparedField {
  /** literals.length === holes.length + 1, as in a split. */
  readonly literals: readonly string[];
  readonly holes: readonly SlotName[];
}
export type PreparedTemplate = Readonly<Record<Field, PreparedField>>;

/** A slot's fixed text on either side of what each reader brings (a link around the reader's token). */
export type Around = readonly [before: string, after: string];

/**
 * Made once for all the readers of a part: the `shared` slots filled in whole, and each `around` slot's fixed
 * text on either side of its hole, escaped as each field escapes. Per reader only the holes are left, an around
 * slot's hole taking what the reader brings. The escapes work character by character, so text escaped apart from
 * its neighbour gives the same result; the subject's line-break rule works on runs, hence the check.
 */
export function prepareTemplate(
  template: CompiledTemplate,
  shared: Slots,
  around: Partial<Record<SlotName, Around>>,
): PreparedTemplate {
  const prepare = (field: Field): PreparedField => {
    const encode = ENCODERS[field];
    const { literals, names } = split(template[field]);
    const out = [literals[0]!];
    const holes: SlotName[] = [];
    names.forEach((name, i) => {
      const whole = shared[name];
      const [before, after] = around[name] ?? ["", ""];
      if (whole !== undefined) {
        out[out.length - 1] += encode(whole);
      } else {
        if (/[\r\n]$/.test(before) || /^[\r\n]/.test(after))
          throw new Error(`prepareTemplate: the text around "${name}" breaks a line at its hole`);
        out[out.length - 1] += encode(before);
        holes.push(name);
        out.push(encode(after));
      }
      out[out.length - 1] += literals[i + 1]!;
    });
    return { literals: out, holes };
  };
  return { subject: prepare("subject"), html: prepare("html"), text: prepare("text") };
}

/**
 * One field of a prepared template for one reader: the filled string, and each hole's value as JSON string
 * content (escaped for the field, then for JSON, without quotes). Each slot is escaped once, however often it occurs.
 */
export function fillPrepared(
  prepared: PreparedTemplate,
  field: Field,
  slots: Slots,
): { filled: string; json: string[] } {
  const { literals, holes } = prepared[field];
  const encode = ENCODERS[field];
  const encoded: Slots = {};
  const encodedJson: Slots = {};
  const json: string[] = [];
  let filled = literals[0]!;
  for (let i = 0; i < holes.length; i++) {
    const name = holes[i]!;
    let value = encoded[name];
    if (value === undefined) {
      const given = slots[name];
      // A missing slot is a bug in the caller, never something a reader can cause.
      if (given === undefined) throw new Error(`fillTemplate: no value for slot "${name}"`);
      value = encoded[name] = encode(given);
      encodedJson[name] = jsonInner(value);
    }
    filled += value + literals[i + 1]!;
    json.push(encodedJson[name]!);
  }
  return { filled, json };
}

/** The whole template for one set of slots (a confirmation email): prepared with nothing shared, then filled. */
export function fillTemplate(template: CompiledTemplate, slots: Slots): CompiledTemplate {
  const prepared = prepareTemplate(template, {}, {});
  return {
    subject: fillPrepared(prepared, "subject", slots).filled,
    html: fillPrepared(prepared, "html", slots).filled,
    text: fillPrepared(prepared, "text", slots).filled,
  };
}

/**
 * The compiled content catalog (emails/dist/catalog.json), produced at build time by
 * scripts/build-emails.tsx from emails/series/<slug>/ and the react-email templates.
 * Templates hold slots written as {{{slot_name}}}; the worker fills them per reader.
 */

/** A weekly window in the reader's own timezone, e.g. weekdays 08:00–10:00. */
export interface SendWindow {
  /** ISO weekdays 1 (Monday) … 7 (Sunday). */
  days: number[];
  /** "HH:MM", 24h, inclusive. */
  start: string;
  /** "HH:MM", 24h, exclusive. */
  end: string;
}

export interface CallToAction {
  label: string;
  /** Absolute URL, or a path starting with "/" resolved against PUBLIC_URL. */
  url: string;
}

export interface CompiledTemplate {
  subject: string;
  html: string;
  text: string;
}

export interface CompiledPart {
  /** The part's identity, unique in its series: what a reader has received, whatever its position. */
  id: string;
  /** 1-based position in the series today (it changes when parts are inserted, removed or reordered). */
  number: number;
  slug: string;
  title: string;
  subject: string;
  preview: string;
  /** ISO date (YYYY-MM-DD) shown on the series index. */
  date: string;
  /** Wait after the previous part (part 1: after confirmation), in milliseconds. */
  delayMs: number;
  cta: CallToAction;
  /** The part's body as HTML for its public web view (trusted: written by the author). */
  bodyHtml: string;
  /** The whole email, with slots. */
  email: CompiledTemplate;
}

export interface CompiledSeries {
  slug: string;
  /** Former slugs of this series: old subscriptions and links resolve to it. */
  aliases: string[];
  title: string;
  /** One or two sentences for the signup page: what the reader will get. */
  description: string;
  /** How often parts arrive, in words ("a new part every few days"). */
  cadence: string;
  author: string;
  /** IANA timezone used when a reader's own is unknown. */
  timezone: string;
  sendWindow?: SendWindow;
  parts: CompiledPart[];
  /** The double opt-in email for this series, with slots. */
  confirmation: CompiledTemplate;
}

export interface Catalog {
  /** Hash of the whole catalog: changes whenever any content changes. */
  version: string;
  series: CompiledSeries[];
}

/** Every slot a template may contain; values are filled (and escaped) per reader at send time. */
export type SlotName =
  | "name" // reader's name, or "there"
  | "base_url" // PUBLIC_URL, no trailing slash
  | "unsubscribe_url"
  | "confirm_url"
  | "cta_url"
  | "web_url" // the part's public web view
  | "postal_address"; // POSTAL_ADDRESS: configuration, not content

export type Slots = Partial<Record<SlotName, string>>;

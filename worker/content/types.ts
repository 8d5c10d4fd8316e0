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

/** A part's call to action: a link (`url`), or a response the reader writes on this site (`respond`). */
export type CallToAction =
  | {
      label: string;
      /** Absolute URL, or a path starting with "/" resolved against PUBLIC_URL. */
      url: string;
      respond?: undefined;
    }
  | { label: string; respond: { prompt: string }; url?: undefined };

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
  /**
   * When the part is released (ISO 8601 instant, UTC), from its `publish` front matter or the scheduled part
   * before it; absent = released with the deploy. Until then nobody is sent it and the web archive and feed
   * leave it out (worker/content/release.ts).
   */
  publishAt?: string;
  /** Wait after the previous part (part 1: after confirmation), in milliseconds. */
  delayMs: number;
  cta: CallToAction;
  /**
   * Where each action link of the email leads (`{{{action_url}}}/<n>` → links[n]): 0 is the call to action
   * (RESPOND_LINK for a response), 1… the body's links in order. Paths are resolved against PUBLIC_URL.
   */
  links: string[];
  /** The part's body as HTML for its public web view (trusted: written by the author). */
  bodyHtml: string;
  /** The whole email, with slots. */
  email: CompiledTemplate;
}

/**
 * The "Still reading?" rule of a series (series.json `reengage`; off when absent): after `afterParts` parts in a
 * row with no sign of reading, the reader is asked once; unanswered for `graceDays`, their subscription pauses.
 */
export interface ReengageRule {
  afterParts: number;
  graceDays: number;
  /** Whether a provider-reported open is a sign of reading (off by default: privacy proxies open every email). */
  countOpens: boolean;
  /** The "Still reading?" email, with slots. */
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
  /** "subscribers": a part's web view needs the reader's token and shows only parts they received; no feed. Absent = public. */
  archive?: "subscribers";
  parts: CompiledPart[];
  /** The double opt-in email for this series, with slots. */
  confirmation: CompiledTemplate;
  reengage?: ReengageRule;
}

export interface Catalog {
  /** Hash of the whole catalog: changes whenever any content changes. */
  version: string;
  series: CompiledSeries[];
}

/** Every slot a template may contain; values are filled (and escaped) per reader at send time. */
export const SLOT_NAMES = [
  "name", // reader's name, or "there"
  "base_url", // PUBLIC_URL, no trailing slash
  "unsubscribe_url",
  "preferences_url", // PUBLIC_URL/prefs/<reader token>: the reader's preference page
  "confirm_url",
  "action_url", // PUBLIC_URL/a/<reader token>/<series>/<part id>: every tracked link is this plus "/<n>"
  "referral_url", // the reader's own link to the signup page, to share
  "web_url", // the part's public web view
  "postal_address", // POSTAL_ADDRESS: configuration, not content
  "keep_url", // the "Still reading?" page of one reader's check (worker/reengage/)
] as const;
export type SlotName = (typeof SLOT_NAMES)[number];

export type Slots = Partial<Record<SlotName, string>>;

/** links[0] of a part whose call to action is a response: the reader's response page, known at click time. */
export const RESPOND_LINK = "respond:";

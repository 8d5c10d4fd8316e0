import type { Config } from "../config";
import { fillPrepared, jsonInner, prepareTemplate, type Around, type PreparedTemplate } from "../content/fill-template";
import type { CompiledPart, CompiledSeries, SlotName, Slots } from "../content/types";
import { emailWebUrl } from "../lib/public-url";
import type { Utf8Piece } from "../lib/utf8-join";
import type { OutgoingEmail } from "../mail/create-mailer";
import { DELIVERY_TAG } from "../mail/mailer";
import { signDeliveryTokens, type DeliveryTokens } from "../tokens";
import type { BatchMember } from "./delivery-queries";

/** RFC 2369 + RFC 8058 headers: mailbox providers show an unsubscribe button and POST to it in one click. */
export function listUnsubscribeHeaders(config: Config, url: string): Record<string, string> {
  const targets = [`<${url}>`];
  if (config.unsubscribeMailto) targets.push(`<mailto:${config.unsubscribeMailto}?subject=unsubscribe>`);
  return { "List-Unsubscribe": targets.join(", "), "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
}

/** A reader's links, from the delivery's tokens: the one place they are written (prepareMailing reads it too). */
function readerLinks(config: Config, series: CompiledSeries, part: CompiledPart, tokens: DeliveryTokens) {
  return {
    unsubscribe_url: `${config.publicUrl}/u/${tokens.reader}`,
    preferences_url: `${config.publicUrl}/prefs/${tokens.reader}`,
    // The part rides in the link so a click is answered without reading D1 (the consumer checks it).
    action_url: `${config.publicUrl}/a/${tokens.reader}/${series.slug}/${part.id}`,
    referral_url: `${config.publicUrl}/s/${series.slug}?ref=${tokens.referral}`,
    web_url: emailWebUrl(config, series, part.id, tokens.reader),
  } satisfies Slots;
}

/**
 * One reader's copy of a part: the part's prepared template (below) with their name and tokens filled in. ONE
 * signature per email: the delivery's reader token carries the action links and unsubscribe, its referral token
 * the referral link. Deterministic for retries.
 */
export function composePartEmail(
  config: Config,
  series: CompiledSeries,
  part: CompiledPart,
  member: BatchMember,
): OutgoingEmail {
  const { template, tokenSlots, chunks } = mailingOf(config, series, part);
  const tokens = signDeliveryTokens(config.keyring, member.id);
  // The links' fixed text is in the template: each link's hole takes its token.
  const slots: Slots = { name: member.toName?.trim() || "there" };
  for (const [slot, token] of tokenSlots) slots[slot] = tokens[token];
  const html = fillPrepared(template, "html", slots);
  const subject = fillPrepared(template, "subject", slots);
  const text = fillPrepared(template, "text", slots);
  const headers = listUnsubscribeHeaders(config, readerLinks(config, series, part, tokens).unsubscribe_url);
  // The request body's pieces: the part's pre-encoded chunks around this reader's strings (holes in mailing order).
  const deliveryId = String(member.id);
  const holes = [
    jsonInner(tokens.reader),
    ...html.json,
    ...subject.json,
    deliveryId,
    ...text.json,
    JSON.stringify(member.toEmail),
  ];
  const json: Utf8Piece[] = [chunks[0]!];
  for (let i = 0; i < holes.length; i++) json.push(holes[i]!, chunks[i + 1]!);
  // The filled strings are for the outbox; on the Resend path they stay ropes, never flattened.
  return {
    from: config.mailFrom,
    to: member.toEmail,
    subject: subject.filled,
    html: html.filled,
    text: text.filled,
    headers,
    tags: [{ name: DELIVERY_TAG, value: deliveryId }],
    json,
  };
}

/**
 * A part ready to mail under one config, made on its first email: its template with what all its readers share
 * filled in, which token each link slot takes, and the provider's JSON object for it as UTF-8 chunks (encoded
 * once) around the per-reader holes: the token in the headers, each field's holes, the delivery tag, the recipient.
 */
interface PartMailing {
  template: PreparedTemplate;
  tokenSlots: [SlotName, keyof DeliveryTokens][];
  chunks: Uint8Array[];
}

const mailings = new WeakMap<Config, WeakMap<CompiledPart, PartMailing>>();

function mailingOf(config: Config, series: CompiledSeries, part: CompiledPart): PartMailing {
  let byPart = mailings.get(config);
  if (!byPart) {
    byPart = new WeakMap();
    mailings.set(config, byPart);
  }
  let mailing = byPart.get(part);
  if (!mailing) {
    mailing = prepareMailing(config, series, part);
    byPart.set(part, mailing);
  }
  return mailing;
}

/** Written where a token goes, then split on: characters no link or address of the configuration holds. */
const MARKS: DeliveryTokens = { reader: "\u0000", referral: "\u0001" };

function prepareMailing(config: Config, series: CompiledSeries, part: CompiledPart): PartMailing {
  const shared: Slots = { base_url: config.publicUrl, postal_address: config.postalAddress };
  const around: Partial<Record<SlotName, Around>> = {};
  const tokenSlots: [SlotName, keyof DeliveryTokens][] = [];
  for (const [slot, link] of Object.entries(readerLinks(config, series, part, MARKS)) as [SlotName, string][]) {
    const token = (["reader", "referral"] as const).find((which) => link.includes(MARKS[which]));
    if (!token) {
      shared[slot] = link;
      continue;
    }
    const [before, after, ...more] = link.split(MARKS[token]);
    if (more.length > 0 || /[\u0000\u0001]/.test(before! + after))
      throw new Error(`compose: no single place for the token in ${slot}`);
    around[slot] = [before!, after!];
    tokenSlots.push([slot, token]);
  }
  const template = prepareTemplate(part.email, shared, around);
  const headersJson = JSON.stringify(
    listUnsubscribeHeaders(config, readerLinks(config, series, part, MARKS).unsubscribe_url),
  );
  const [before, after, ...more] = headersJson.split(jsonInner(MARKS.reader));
  if (after === undefined || more.length > 0)
    throw new Error("compose: no single place for the token in List-Unsubscribe");
  // Keys in the resend SDK's order (apiEmailJson): a batch first sent by the SDK is re-sent with the same bytes.
  const texts = [`{"from":${JSON.stringify(config.mailFrom)},"headers":${before}`, after];
  for (const field of ["html", "subject", "tags", "text"] as const) {
    if (field === "tags") {
      // Its one hole is the delivery id (digits: nothing to escape).
      texts[texts.length - 1] += `,"tags":[{"name":"${DELIVERY_TAG}","value":"`;
      texts.push('"}]');
      continue;
    }
    const [first, ...rest] = template[field].literals;
    texts[texts.length - 1] += `,"${field}":"${jsonInner(first!)}`;
    texts.push(...rest.map(jsonInner));
    texts[texts.length - 1] += '"';
  }
  texts[texts.length - 1] += ',"to":';
  texts.push("}");
  return { template, tokenSlots, chunks: texts.map((text) => utf8.encode(text)) };
}

const utf8 = new TextEncoder();

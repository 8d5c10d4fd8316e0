import type { Config } from "../config";
import { fillPrepared, jsonInner, prepareTemplate, type PreparedTemplate } from "../content/fill-template";
import type { CompiledPart, CompiledSeries } from "../content/types";
import { partWebUrl } from "../lib/public-url";
import type { Utf8Piece } from "../lib/utf8-join";
import type { OutgoingEmail } from "../mail";
import { signDeliveryTokens } from "../tokens";
import type { BatchMember } from "./queries";

/** RFC 2369 + RFC 8058 headers: mailbox providers show an unsubscribe button and POST to it in one click. */
export function listUnsubscribeHeaders(config: Config, url: string): Record<string, string> {
  const targets = [`<${url}>`];
  if (config.unsubscribeMailto) targets.push(`<mailto:${config.unsubscribeMailto}?subject=unsubscribe>`);
  return { "List-Unsubscribe": targets.join(", "), "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
}

/**
 * One reader's copy of a part: the part's prepared template (below) with their name and tokens filled in. ONE
 * signature per email: the delivery's reader token carries the action links and unsubscribe, its referral token
 * the referral link. Deterministic for retries.
 */
export function composePartEmail(config: Config, series: CompiledSeries, part: CompiledPart, member: BatchMember): OutgoingEmail {
  const { template, chunks } = mailingOf(config, series, part);
  const tokens = signDeliveryTokens(config.keyring, member.id);
  // The links' fixed starts are in the template: each link slot takes its token.
  const slots = { name: member.toName?.trim() || "there", unsubscribe_url: tokens.reader, action_url: tokens.reader, referral_url: tokens.referral };
  const html = fillPrepared(template, "html", slots);
  const subject = fillPrepared(template, "subject", slots);
  const text = fillPrepared(template, "text", slots);
  const headers = listUnsubscribeHeaders(config, `${config.publicUrl}/u/${tokens.reader}`);
  // The request body's pieces: the part's pre-encoded chunks around this reader's strings (holes in mailing order).
  const holes = [jsonInner(tokens.reader), ...html.json, ...subject.json, ...text.json, JSON.stringify(member.toEmail)];
  const json: Utf8Piece[] = [chunks[0]!];
  for (let i = 0; i < holes.length; i++) json.push(holes[i]!, chunks[i + 1]!);
  // The filled strings are for the outbox; on the Resend path they stay ropes, never flattened.
  return { from: config.mailFrom, to: member.toEmail, subject: subject.filled, html: html.filled, text: text.filled, headers, json };
}

/**
 * A part ready to mail under one config, made on its first email: its template with what all its readers share
 * filled in, and the provider's JSON object for it as UTF-8 chunks (encoded once) around the per-reader holes:
 * the token in the headers, each field's holes, the recipient.
 */
interface PartMailing {
  template: PreparedTemplate;
  chunks: Uint8Array[];
}

const mailings = new WeakMap<Config, WeakMap<CompiledPart, PartMailing>>();

function mailingOf(config: Config, series: CompiledSeries, part: CompiledPart): PartMailing {
  let byPart = mailings.get(config);
  if (!byPart) mailings.set(config, (byPart = new WeakMap()));
  let mailing = byPart.get(part);
  if (!mailing) byPart.set(part, (mailing = prepareMailing(config, series, part)));
  return mailing;
}

function prepareMailing(config: Config, series: CompiledSeries, part: CompiledPart): PartMailing {
  const { publicUrl } = config;
  const template = prepareTemplate(
    part.email,
    { base_url: publicUrl, web_url: partWebUrl(config, series.slug, part.id), postal_address: config.postalAddress },
    { unsubscribe_url: `${publicUrl}/u/`, action_url: `${publicUrl}/a/`, referral_url: `${publicUrl}/s/${series.slug}?ref=` },
  );
  // The headers as JSON around the reader's token: written with a marker where the token goes, split there.
  const marker = "\u0000";
  const [before, after, ...more] = JSON.stringify(listUnsubscribeHeaders(config, `${publicUrl}/u/${marker}`)).split(jsonInner(marker));
  if (after === undefined || more.length > 0) throw new Error("List-Unsubscribe: no single place for the token (a NUL in PUBLIC_URL or UNSUBSCRIBE_MAILTO?)");
  // Keys in the resend SDK's order (apiEmailJson): a batch first sent by the SDK is re-sent with the same bytes.
  const texts = [`{"from":${JSON.stringify(config.mailFrom)},"headers":${before}`, after];
  for (const field of ["html", "subject", "text"] as const) {
    const [first, ...rest] = template[field].literals;
    texts[texts.length - 1] += `,"${field}":"${jsonInner(first!)}`;
    texts.push(...rest.map(jsonInner));
    texts[texts.length - 1] += '"';
  }
  texts[texts.length - 1] += ',"to":';
  texts.push("}");
  return { template, chunks: texts.map((text) => utf8.encode(text)) };
}

const utf8 = new TextEncoder();

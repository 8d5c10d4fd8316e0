import type { Config } from "../config";
import type { CompiledPart, CompiledSeries } from "../content/types";
import { fillTemplate } from "../content/fill-template";
import type { OutgoingEmail } from "../mail";
import { signToken } from "../tokens";
import type { BatchMember } from "./queries";

/** Absolute URL for a call to action written as a path ("/p/…") or a full URL. */
export const resolveUrl = (config: Config, url: string) => (url.startsWith("/") ? `${config.publicUrl}${url}` : url);

export async function unsubscribeUrl(config: Config, subscriberId: number, series: string): Promise<string> {
  const token = await signToken(config.signingSecret, { purpose: "unsubscribe", subscriberId, series });
  return `${config.publicUrl}/unsubscribe/${token}`;
}

/** RFC 2369 + RFC 8058 headers: mailbox providers show an unsubscribe button and POST to it in one click. */
export function listUnsubscribeHeaders(config: Config, url: string): Record<string, string> {
  const targets = [`<${url}>`];
  if (config.unsubscribeMailto) targets.push(`<mailto:${config.unsubscribeMailto}?subject=unsubscribe>`);
  return { "List-Unsubscribe": targets.join(", "), "List-Unsubscribe-Post": "List-Unsubscribe=One-Click" };
}

/** One reader's copy of a part: the compiled template with their slots filled. Deterministic for retries. */
export async function composePartEmail(
  config: Config,
  series: CompiledSeries,
  part: CompiledPart,
  member: BatchMember,
): Promise<OutgoingEmail> {
  const unsubscribe = await unsubscribeUrl(config, member.subscriberId, series.slug);
  const filled = fillTemplate(part.email, {
    name: member.toName?.trim() || "there",
    base_url: config.publicUrl,
    unsubscribe_url: unsubscribe,
    cta_url: resolveUrl(config, part.cta.url),
    // By id: the web view of the part this email carries, wherever the part moves later.
    web_url: `${config.publicUrl}/p/${series.slug}/${part.id}`,
    postal_address: config.postalAddress,
  });
  return {
    from: config.mailFrom,
    to: member.toEmail,
    subject: filled.subject,
    html: filled.html,
    text: filled.text,
    headers: listUnsubscribeHeaders(config, unsubscribe),
  };
}

import type { Config } from "../config";
import { fillTemplate } from "../content/fill-template";
import type { ReengageRule } from "../content/types";
import { listUnsubscribeHeaders } from "../delivery/compose";
import type { OutgoingEmail } from "../mail/create-mailer";
import { signDeliveryTokens, signReadingCheckToken } from "../tokens";

/** Where a check's email leads: the page with the keep button (GET shows it, only its POST keeps). */
export const keepPath = (token: string) => `/still-reading/${token}`;

/**
 * One reader's "Still reading?" email. Its unsubscribe link is the one of the part that completed the streak
 * (that delivery's reader token), with the same one-click headers. Deterministic: a retry is byte-identical.
 */
export function composeCheckEmail(
  config: Config,
  rule: ReengageRule,
  check: { id: number; deliveryId: number; email: string; name: string | null },
): OutgoingEmail {
  const keep = signReadingCheckToken(config.keyring, check.id);
  const { reader } = signDeliveryTokens(config.keyring, check.deliveryId);
  const unsubscribe = `${config.publicUrl}/u/${reader}`;
  const filled = fillTemplate(rule.email, {
    name: check.name?.trim() || "there",
    base_url: config.publicUrl,
    keep_url: `${config.publicUrl}${keepPath(keep)}`,
    unsubscribe_url: unsubscribe,
    postal_address: config.postalAddress,
  });
  return {
    from: config.mailFrom,
    to: check.email,
    subject: filled.subject,
    html: filled.html,
    text: filled.text,
    headers: listUnsubscribeHeaders(config, unsubscribe),
  };
}

import type { AppDeps } from "../app-deps";
import type { CompiledPart, CompiledSeries } from "../content/types";
import { composePartEmail } from "../delivery/compose";
import { MAX_HIDDEN_ID } from "../lib/id-cipher";
import type { OutgoingEmail } from "../mail/create-mailer";

/** Who previews and test sends are addressed to. */
export const SAMPLE_READER = { name: "Sample Reader", email: "reader@example.com" } as const;

/**
 * The delivery id sample links are signed for: the largest id a link can carry, never reached by D1's
 * autoincrement. Links are real signed links, but no delivery row answers to them: action links lead to their
 * targets and record no click; the unsubscribe and response pages say "This link does not work" and change nothing.
 */
export const SAMPLE_DELIVERY_ID = MAX_HIDDEN_ID;

/** The part exactly as the engine composes it for a reader: same template, same slots, signed links. */
export function composeSampleEmail(
  deps: Pick<AppDeps, "config">,
  input: { series: CompiledSeries; part: CompiledPart },
): OutgoingEmail {
  const { series, part } = input;
  return composePartEmail(deps.config, series, part, {
    id: SAMPLE_DELIVERY_ID,
    subscriptionId: 0,
    subscriberId: 0,
    series: series.slug,
    partId: part.id,
    partNumber: part.number,
    toEmail: SAMPLE_READER.email,
    toName: SAMPLE_READER.name,
    timezone: null,
  });
}

/** A test send: the sample email to `to`, marked in its subject and a header so nobody takes it for a delivery. */
export function composeTestEmail(
  deps: Pick<AppDeps, "config">,
  input: { series: CompiledSeries; part: CompiledPart; to: string },
): OutgoingEmail {
  const { to } = input;
  const sample = composeSampleEmail(deps, input);
  // No pre-encoded json: the subject and recipient changed, so the provider body is written from the fields.
  return {
    from: sample.from,
    to,
    subject: `[Test] ${sample.subject}`,
    html: sample.html,
    text: sample.text,
    headers: { ...sample.headers, "X-Nextpart-Test": "1" },
  };
}

import { readConfig } from "../worker/config";
import { compiledCatalog } from "../worker/content/catalog";
import { composePartEmail } from "../worker/delivery/compose";
import type { BatchMember } from "../worker/delivery/delivery-queries";
import type { Env } from "../worker/env";
import { apiEmailJson, type OutgoingEmail } from "../worker/mail/mailer";
import { batchRequestBody } from "../worker/mail/resend-mailer";

/**
 * The Worker's send path as `npm run bench` measures it, the same code in Node (scenario js) and in workerd
 * (scenario workerd, scripts/send-path-worker): batches of 100 emails composed and signed, then the request body.
 */
export function sendPath(signingKey: string, hashSecret: string) {
  const config = readConfig({
    PUBLIC_URL: "https://news.example.com",
    MAIL_FROM: "Next Part <news@example.com>",
    POSTAL_ADDRESS: "1 Main St, Springfield",
    SIGNING_KEYS: `k1:${signingKey}`,
    HASH_SECRET: hashSecret,
    LOCAL_OUTBOX: "1",
  } as Env);
  const series = compiledCatalog.findSeries("origins-of-lead-change")!;
  const part = series.parts[0]!;
  const member = (id: number): BatchMember => ({
    id,
    subscriptionId: id,
    subscriberId: id,
    series: series.slug,
    partId: part.id,
    partNumber: 1,
    toEmail: `reader${id}@bench.example`,
    toName: `Reader ${id}`,
    timezone: null,
  });
  return {
    /** One batch as sendBatch does it: its emails, and the size of the UTF-8 request body fetch sends. */
    batch(firstId: number): { emails: OutgoingEmail[]; bytes: number } {
      const emails = Array.from({ length: 100 }, (_, i) => composePartEmail(config, series, part, member(firstId + i)));
      return { emails, bytes: batchRequestBody(emails).length };
    },
    /**
     * The reference: `times` JSON.stringify of one email (what the resend SDK spent per email), its strings
     * flattened first, so the reference does not move when compose changes how it builds them.
     */
    reference(email: OutgoingEmail, times: number) {
      apiEmailJson(email);
      for (let i = 0; i < times; i++) apiEmailJson(email);
    },
  };
}

import type { Config } from "../../worker/config";
import { findPart, findSeries } from "../../worker/content/catalog";
import { templateStats } from "../../worker/content/fill-template";
import { composePartEmail } from "../../worker/delivery/compose";
import type { BatchMember } from "../../worker/delivery/queries";

/**
 * The worker's own per-email code (composePartEmail: unsubscribe token HMAC + template fill + headers) and the
 * JSON body the provider call serializes, run in Node on the same V8: an estimate of the JS CPU per email,
 * apart from D1 and the network.
 */
export async function measureCompose(emails: number, seriesSlug: string, secret: string) {
  const config = {
    publicUrl: "http://127.0.0.1:8787",
    mailFrom: "Bench <bench@nextpart.local>",
    postalAddress: "nextpart, 1 Example Street, Springfield, USA",
    signingSecret: secret,
    defaultSeries: seriesSlug,
    sendBatchesPerRun: 100,
    sendConcurrency: 4,
    providerRps: 0,
  } as Config;
  const series = findSeries(seriesSlug);
  const part = series && findPart(series, 1);
  if (!series || !part) throw new Error(`series ${seriesSlug} has no part 1 in emails/dist/catalog.json`);
  const member = (i: number): BatchMember => ({
    id: i,
    subscriptionId: i,
    subscriberId: i,
    series: seriesSlug,
    partNumber: 1,
    toEmail: `reader${i}@bench.example`,
    toName: `Reader ${i}`,
    timezone: null,
  });
  const compilesBefore = templateStats.compiles;
  // Warm-up (JIT, HMAC key import), then the measured pass, batch by batch like sendBatch.
  for (let i = 0; i < 300; i++) await composePartEmail(config, series, part, member(i));
  let composeMs = 0;
  let stringifyMs = 0;
  let bytes = 0;
  for (let start = 0; start < emails; start += 100) {
    const members = Array.from({ length: Math.min(100, emails - start) }, (_, k) => member(start + k + 1));
    const t0 = performance.now();
    const batch = await Promise.all(members.map((m) => composePartEmail(config, series, part, m)));
    const t1 = performance.now();
    bytes += JSON.stringify(batch).length;
    stringifyMs += performance.now() - t1;
    composeMs += t1 - t0;
  }
  return {
    emails,
    composeUsPerEmail: (composeMs * 1000) / emails,
    stringifyUsPerEmail: (stringifyMs * 1000) / emails,
    bytesPerEmail: Math.round(bytes / emails),
    templateCompiles: templateStats.compiles - compilesBefore,
  };
}

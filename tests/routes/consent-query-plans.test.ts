import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { takeSharedSlotSql } from "../../worker/mail/shared-slot";
import { RETRIES_PER_RUN } from "../../worker/mail/confirmation-email";
import { confirmationEmailSql } from "../../worker/mail/confirmation-queries";
import { CONFIRMATIONS_PER_DAY } from "../../worker/subscribers/subscribe";
import {
  confirmSql,
  insertConsentSql,
  subscribeSql,
  subscriberSql,
  suppressedSql,
} from "../../worker/subscribers/subscriber-queries";
import { argsFor, explain, wholeTableScan } from "../helpers/recording-d1";

/** Tables that grow with the list: a statement of the signup path or the cron must never scan one whole. */
const FULL_SCAN = wholeTableScan(["subscribers", "subscriptions", "consents", "events"]);

describe("consent queries scan no whole table", () => {
  for (const [name, text] of Object.entries(confirmSql)) {
    it(`confirm: ${name}`, async () => {
      const details = await explain(text, argsFor(text));
      for (const detail of details) expect(detail, details.join(" | ")).not.toMatch(FULL_SCAN);
    });
  }

  // The signup's reads and writes before the consent, the unsubscribe page's reader, the confirmation email's own.
  const others = {
    ...Object.fromEntries(Object.entries(subscribeSql).map(([name, text]) => [`signup ${name}`, text])),
    ...Object.fromEntries(Object.entries(subscriberSql).map(([name, text]) => [`reader ${name}`, text])),
    ...Object.fromEntries(Object.entries(confirmationEmailSql).map(([name, text]) => [`email ${name}`, text])),
    "erased address": suppressedSql,
  };
  for (const [name, text] of Object.entries(others)) {
    it(name, async () => {
      const details = await explain(text, argsFor(text));
      for (const detail of details) expect(detail, details.join(" | ")).not.toMatch(FULL_SCAN);
    });
  }

  it("the cron's retry scan reads only queued consents (partial index)", async () => {
    const details = await explain(confirmationEmailSql.due, [Date.now(), RETRIES_PER_RUN]);
    expect(details.join(" | ")).toContain("consents_email_next_at_idx");
    for (const detail of details) expect(detail, details.join(" | ")).not.toMatch(FULL_SCAN);
  });

  it("the daily cap counts one mailbox's consents of the last day through consents_mailbox_key_idx", async () => {
    const now = Date.now();
    const params = [
      1,
      "s",
      "api",
      "v",
      null,
      null,
      now,
      now,
      null,
      null,
      now,
      "victim@gmail.com",
      now - 86_400_000,
      CONFIRMATIONS_PER_DAY,
    ];
    const details = await explain(insertConsentSql, params);
    expect(details.join(" | ")).toContain(
      "SEARCH consents USING INDEX consents_mailbox_key_idx (mailbox_key=? AND created_at>?)",
    );
    for (const detail of details) expect(detail, details.join(" | ")).not.toMatch(FULL_SCAN);
  });

  it("an hourly cap is one primary-key upsert: its rows read do not grow with the domains counted", async () => {
    const rowsRead = async () =>
      (await env.DB.prepare(takeSharedSlotSql).bind("confirm-domain:cost.example.org", 0).all()).meta.rows_read;
    await rowsRead();
    const few = await rowsRead();
    const many = Array.from({ length: 300 }, (_, i) =>
      env.DB.prepare(takeSharedSlotSql).bind(`confirm-domain:d${i}.example.org`, 0),
    );
    await env.DB.batch(many);
    expect(await rowsRead()).toBe(few);
    expect(few).toBeLessThanOrEqual(2);
  });
});

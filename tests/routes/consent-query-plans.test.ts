import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { getDb } from "../../worker/db";
import { confirmSql } from "../../worker/subscribers/confirm";
import { dueConfirmations } from "../../worker/mail/confirmation-email";

/** Tables that grow with the list: a statement of the signup path or the cron must never scan one whole. */
const FULL_SCAN = /^SCAN (subscribers|subscriptions|consents|events)\b(?! USING (COVERING )?INDEX)/;

async function planOf(text: string, params: unknown[]): Promise<string[]> {
  const { results } = await env.DB.prepare(`EXPLAIN QUERY PLAN ${text}`).bind(...params).all<{ detail: string }>();
  return results.map((row) => row.detail);
}

describe("consent queries scan no whole table", () => {
  for (const [name, text] of Object.entries(confirmSql)) {
    it(`confirm: ${name}`, async () => {
      const count = Math.max(...(text.match(/\?\d+/g) ?? ["?0"]).map((p) => Number(p.slice(1))));
      const details = await planOf(text, Array.from({ length: count }, () => 1));
      for (const detail of details) expect(detail, details.join(" | ")).not.toMatch(FULL_SCAN);
    });
  }

  it("the cron's retry scan reads only queued consents (partial index)", async () => {
    const query = dueConfirmations(getDb(env.DB), Date.now()).toSQL();
    const details = await planOf(query.sql, query.params);
    expect(details.join(" | ")).toContain("consents_email_next_at_idx");
    for (const detail of details) expect(detail, details.join(" | ")).not.toMatch(FULL_SCAN);
  });
});

import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { readConfig } from "../../worker/config";
import { findSeries } from "../../worker/content/catalog";
import { composePartEmail } from "../../worker/delivery/compose";
import type { BatchMember } from "../../worker/delivery/delivery-queries";
import { signDeliveryTokens } from "../../worker/tokens";
import { resetDatabase, runCycleAt, seedReaders } from "../helpers/delivery-helpers";
import { BASE, extractLinks, get, testKeyring } from "../helpers/route-helpers";
import { outboxOf } from "../helpers/rows";

/**
 * The "view in browser" link of a part email ({{{web_url}}}): the part's public address, and for a series kept
 * for its readers ("archive": "subscribers") that address with the reader's own token, which opens it.
 */
beforeEach(resetDatabase);

const member = (series: string, partId: string, id: number): BatchMember => ({
  id,
  subscriptionId: 1,
  subscriberId: 1,
  series,
  partId,
  partNumber: 1,
  toEmail: "reader@example.com",
  toName: "Reader",
  timezone: null,
});

describe("the web view link of a part email", () => {
  it("carries the reader's token in a series kept for its readers, in the html and the text; a public part's does not", async () => {
    const config = readConfig(env);
    const members = findSeries("fixture-members")!;
    const email = await composePartEmail(
      config,
      members,
      members.parts[0]!,
      member(members.slug, "members-part-1", 41),
    );
    const web = `${BASE}/p/fixture-members/members-part-1?t=${(await signDeliveryTokens(testKeyring(), 41)).reader}`;
    expect(extractLinks(email.html)).toContain(web);
    expect(email.text).toContain(web);

    const four = findSeries("fixture-four")!;
    const open = await composePartEmail(config, four, four.parts[0]!, member(four.slug, "fixture-part-1", 42));
    expect(extractLinks(open.html)).toContain(`${BASE}/p/fixture-four/fixture-part-1`);
    expect(open.html).not.toContain("?t=");
    expect(open.text).not.toContain("?t=");
  });

  it("sent by the cycle, it opens that part for its reader, and only the parts they received", async () => {
    await seedReaders({ series: "fixture-members", count: 2, prefix: "archive-link", dueAt: 0 });
    expect(await runCycleAt(Date.now())).toMatchObject({ sent: 2 });
    const mails = await outboxOf("archive-link");
    expect(mails).toHaveLength(2);
    for (const mail of mails) {
      const web = extractLinks(mail.html).find((link) => link.startsWith(`${BASE}/p/fixture-members/`))!;
      expect(web).toMatch(/^https:\/\/news\.example\.com\/p\/fixture-members\/members-part-1\?t=t2\.[\w-]+\.[\w-]+$/);
      const page = await get(web);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Members part 1 body: for readers only.");
      // Part 2 has not reached them: the same token does not open it.
      expect((await get(web.replace("members-part-1", "members-part-2"))).status).toBe(403);
    }
  });
});

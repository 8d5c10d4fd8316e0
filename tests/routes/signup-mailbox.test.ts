import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readConfig, type Config } from "../../worker/config";
import { findSeries } from "../../worker/content/catalog";
import { retryConfirmationEmails } from "../../worker/mail/confirmation-email";
import { createOutboxMailer } from "../../worker/mail/outbox-mailer";
import { mailboxKey } from "../../worker/subscribers/mailbox-key";
import { insertConsentSql } from "../../worker/subscribers/subscriber-queries";
import { CONFIRMATIONS_PER_DAY, subscribe } from "../../worker/subscribers/subscribe";
import { DEFAULT_SERIES, subscribeForm, uniqueIp } from "../helpers/route-helpers";
import { findSubscriber } from "../helpers/rows";

const HOUR = 3600_000;
const hex = () => crypto.randomUUID().replaceAll("-", "").slice(0, 8);

/** One Gmail inbox written `count` ways: dots anywhere, +tags, upper case, googlemail.com. */
function gmailSpellings(base: string, count: number): string[] {
  const dotted = Array.from(
    { length: base.length - 1 },
    (_, i) => `${base.slice(0, i + 1)}.${base.slice(i + 1)}@gmail.com`,
  );
  const tagged = Array.from({ length: 4 }, (_, i) => `${base}+n${i + 1}@gmail.com`);
  const other = [
    `${base.toUpperCase()}@googlemail.com`,
    `${base.slice(0, 2)}.${base.slice(2)}+x@GoogleMail.com`,
    `${base}@gmail.com`,
  ];
  const all = [...other, ...tagged, ...dotted];
  expect(all.length).toBeGreaterThanOrEqual(count);
  return all.slice(0, count);
}

/** Confirmation emails that reached any of these spellings (the outbox keeps the address each went to). */
async function mailsTo(spellings: string[]) {
  const { results } = await env.DB.prepare(
    `SELECT "to" FROM outbox WHERE lower("to") IN (SELECT lower(value) FROM json_each(?1)) ORDER BY rowid`,
  )
    .bind(JSON.stringify(spellings))
    .all<{ to: string }>();
  return results.map((row) => row.to);
}

const series = () => findSeries(DEFAULT_SERIES)!;
const signUp = (config: Config, email: string, now = Date.now()) =>
  subscribe(
    { db: env.DB, config, mailer: createOutboxMailer(env.DB), clock: () => now },
    { email, series: series(), form: "api" },
  );

describe("the mailbox key", () => {
  it("is lower-cased, drops +tags on every domain and dots where Gmail ignores them", () => {
    expect(mailboxKey("V.Ictim+news@GoogleMail.com")).toBe("victim@gmail.com");
    expect(mailboxKey("v.i.c.t.i.m@gmail.com")).toBe("victim@gmail.com");
    expect(mailboxKey("Ann.Lee+shop@Example.org")).toBe("ann.lee@example.org");
    expect(mailboxKey("ann.lee@example.org")).not.toBe(mailboxKey("annlee@example.org"));
    expect(mailboxKey("a+b+c@example.org")).toBe("a@example.org");
    // A local part that is all tag: every such spelling shares one budget (never a budget of its own each).
    expect(mailboxKey("+one@example.org")).toBe(mailboxKey("+two@example.org"));
    expect(mailboxKey("o'brien@xn--bcher-kva.de")).toBe("o'brien@xn--bcher-kva.de");
  });
});

describe("one mailbox, many spellings: at most 3 confirmation emails a day in one inbox", () => {
  it("20 signups of one Gmail inbox written 20 ways, each from its own client: 20 identical answers, 3 emails", async () => {
    const spellings = gmailSpellings(`victim${hex()}`, 20);
    expect(new Set(spellings.map(mailboxKey)).size).toBe(1);
    const answers = new Set<string>();
    for (const email of spellings) {
      const res = await subscribeForm({ email }, { ip: uniqueIp() });
      expect(res.status).toBe(200);
      answers.add((await res.text()).replace(/<strong>[^<]*<\/strong>/, "<strong>…</strong>"));
    }
    expect(answers.size).toBe(1);
    const mails = await mailsTo(spellings);
    expect(mails).toHaveLength(CONFIRMATIONS_PER_DAY);
    // Mail goes to the spelling each reader typed, and each spelling stays a reader of its own.
    expect(mails).toEqual(
      spellings.slice(0, CONFIRMATIONS_PER_DAY).map((email) => email.replace(/@.*/, (domain) => domain.toLowerCase())),
    );
    for (const email of spellings) expect(await findSubscriber(email), email).not.toBeNull();
  });

  it("concurrent signups of 10 spellings cannot slip under the cap together (one conditional INSERT)", async () => {
    const spellings = gmailSpellings(`race${hex()}`, 10);
    const results = await Promise.all(spellings.map((email) => signUp(readConfig(env), email)));
    expect(results.filter((result) => result === "confirmation_sent")).toHaveLength(CONFIRMATIONS_PER_DAY);
    expect(results.filter((result) => result === "throttled")).toHaveLength(10 - CONFIRMATIONS_PER_DAY);
    expect(await mailsTo(spellings)).toHaveLength(CONFIRMATIONS_PER_DAY);
  });

  it("where dots matter they are separate mailboxes: 3 emails each", async () => {
    const base = `ann${hex()}`;
    const spellings = [`${base.slice(0, 3)}.${base.slice(3)}`, base].flatMap((local) =>
      [0, 1, 2, 3].map((i) => `${local}+t${i}@example.org`),
    );
    for (const email of spellings) await signUp(readConfig(env), email);
    expect(await mailsTo(spellings)).toHaveLength(2 * CONFIRMATIONS_PER_DAY);
  });

  it("the count costs the same rows however many spellings strangers have signed up", async () => {
    const spellings = gmailSpellings(`costlymailbox${hex()}`, 24);
    const key = mailboxKey(spellings[0]!);
    const rowsRead = async () => {
      const now = Date.now();
      const reader = (await findSubscriber(spellings[0]!))!;
      const run = await env.DB.prepare(insertConsentSql)
        .bind(
          reader.id,
          DEFAULT_SERIES,
          "api",
          "v",
          null,
          null,
          now,
          now + HOUR,
          null,
          null,
          now,
          key,
          now - 24 * HOUR,
          CONFIRMATIONS_PER_DAY,
        )
        .all();
      expect(run.results).toEqual([]); // over the cap: nothing inserted
      return run.meta.rows_read;
    };
    for (const email of spellings.slice(0, 4)) await signUp(readConfig(env), email);
    const few = await rowsRead();
    for (const email of spellings.slice(4)) await signUp(readConfig(env), email);
    const many = await rowsRead();
    expect(many).toBe(few);
    // Counting over every spelling's reader would read at least one row per spelling.
    expect(many).toBeLessThan(spellings.length);
  });
});

describe("hourly caps on confirmation emails: per domain and in all", () => {
  /** A domain no other test mails, so its counter starts at zero. */
  const freshDomain = () => `d${hex()}.example.org`;
  const capped = (perDomain: number, all: number): Config => ({
    ...readConfig(env),
    confirmationsPerDomainPerHour: perDomain,
    confirmationsPerHour: all,
  });
  /** Confirmations other tests left queued would take this test's slots in the cron: none are left. */
  const emptyQueue = () =>
    env.DB.prepare(
      "UPDATE consents SET email_status = 'failed', email_next_at = NULL WHERE email_status = 'queued'",
    ).run();
  const consentOf = async (email: string) =>
    (await env.DB.prepare(
      "SELECT email_status AS status, email_next_at AS nextAt, email_attempts AS attempts FROM consents c JOIN subscribers s ON s.id = c.subscriber_id WHERE s.email = ?1",
    )
      .bind(email)
      .first<{ status: string; nextAt: number | null; attempts: number }>())!;

  it("beyond a domain's cap a confirmation waits queued (not refused) and the cron sends it the next hour, spaced", async () => {
    await emptyQueue();
    const domain = freshDomain();
    const config = capped(3, 1000);
    const hourStart = Math.floor(Date.now() / HOUR) * HOUR;
    const now = hourStart + 10 * 60_000;
    const readers = Array.from({ length: 5 }, (_, i) => `reader${i}@${domain}`);
    const results: string[] = [];
    for (const email of readers) results.push(await signUp(config, email, now));
    expect(results).toEqual([
      "confirmation_sent",
      "confirmation_sent",
      "confirmation_sent",
      "confirmation_queued",
      "confirmation_queued",
    ]);
    expect(await mailsTo(readers)).toHaveLength(3);

    // Held, not tried: no attempt counted, due again within the next hour, each at its own time.
    const held = await Promise.all(readers.slice(3).map(consentOf));
    for (const consent of held) {
      expect(consent).toMatchObject({ status: "queued", attempts: 0 });
      expect(consent.nextAt).toBeGreaterThanOrEqual(hourStart + HOUR);
      expect(consent.nextAt).toBeLessThan(hourStart + 2 * HOUR);
    }
    expect(new Set(held.map((consent) => consent.nextAt)).size).toBe(2);

    // Another domain is not held by this one's cap.
    expect(await signUp(config, `other@${freshDomain()}`, now)).toBe("confirmation_sent");

    // The cron leaves them this hour, and sends them once they are due in the next.
    const mailer = createOutboxMailer(env.DB);
    expect(await retryConfirmationEmails({ db: env.DB, config, mailer: mailer, clock: () => now + 5 * 60_000 })).toBe(
      0,
    );
    const due = Math.max(...held.map((consent) => consent.nextAt!));
    await retryConfirmationEmails({ db: env.DB, config, mailer: mailer, clock: () => due });
    expect(await mailsTo(readers)).toHaveLength(5);
    expect((await consentOf(readers[4]!)).status).toBe("sent");
  });

  it("gmail.com and googlemail.com are one domain", async () => {
    await env.DB.prepare("DELETE FROM rate_counters WHERE name = 'confirm-domain:gmail.com'").run();
    const config = capped(2, 1000);
    const now = Math.floor(Date.now() / HOUR) * HOUR + 60_000;
    const results = [];
    for (const email of [`a${hex()}@gmail.com`, `b${hex()}@googlemail.com`, `c${hex()}@googlemail.com`])
      results.push(await signUp(config, email, now));
    expect(results).toEqual(["confirmation_sent", "confirmation_sent", "confirmation_queued"]);
  });

  it("beyond the cap on all confirmations, every domain waits; the cron stops at the first held one", async () => {
    await emptyQueue();
    await env.DB.prepare("DELETE FROM rate_counters WHERE name = 'confirm-all'").run();
    const config = capped(1000, 2);
    const hourStart = Math.floor(Date.now() / HOUR) * HOUR;
    const now = hourStart + 60_000;
    const readers = Array.from({ length: 4 }, () => `reader@${freshDomain()}`);
    const results: string[] = [];
    for (const email of readers) results.push(await signUp(config, email, now));
    expect(results).toEqual(["confirmation_sent", "confirmation_sent", "confirmation_queued", "confirmation_queued"]);
    expect(await mailsTo(readers)).toHaveLength(2);

    // Made due again within this hour, the cron tries the first, is held, and stops: the second is not tried.
    const held = readers.slice(2);
    const setDue = env.DB.prepare(
      "UPDATE consents SET email_next_at = ?2 WHERE subscriber_id = (SELECT id FROM subscribers WHERE email = ?1)",
    );
    await env.DB.batch(held.map((email) => setDue.bind(email, now)));
    const counted = async () =>
      (await env.DB.prepare("SELECT count FROM rate_counters WHERE name = 'confirm-all'").first<{ count: number }>())!
        .count;
    const before = await counted();
    expect(
      await retryConfirmationEmails({
        db: env.DB,
        config,
        mailer: createOutboxMailer(env.DB),
        clock: () => now + 60_000,
      }),
    ).toBe(0);
    expect((await counted()) - before).toBe(1);
    const nextAts = await Promise.all(held.map(async (email) => (await consentOf(email)).nextAt!));
    expect(nextAts.filter((at) => at >= hourStart + HOUR)).toHaveLength(1);

    // Late in the next hour, both go (its counter took exactly those two).
    await env.DB.batch(held.map((email) => setDue.bind(email, hourStart + HOUR + 30 * 60_000)));
    expect(
      await retryConfirmationEmails({
        db: env.DB,
        config,
        mailer: createOutboxMailer(env.DB),
        clock: () => hourStart + HOUR + 45 * 60_000,
      }),
    ).toBe(2);
    expect(await mailsTo(readers)).toHaveLength(4);
    const counter = await env.DB.prepare("SELECT count FROM rate_counters WHERE name = 'confirm-all'").first<{
      count: number;
    }>();
    expect(counter!.count).toBe(2);
  });

  it("a flood at one domain never uses up the cap on all confirmations", async () => {
    await env.DB.prepare("DELETE FROM rate_counters WHERE name = 'confirm-all'").run();
    const config = capped(2, 5);
    const now = Math.floor(Date.now() / HOUR) * HOUR + 60_000;
    const flooded = freshDomain();
    for (let i = 0; i < 10; i++) await signUp(config, `victim${i}@${flooded}`, now);
    const others = Array.from({ length: 3 }, () => `reader@${freshDomain()}`);
    for (const email of others) expect(await signUp(config, email, now)).toBe("confirmation_sent");
  });
});

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { findSeries } from "../../worker/content/catalog";
import type { Env } from "../../worker/env";
import worker from "../../worker/index";
import { clientKey } from "../../worker/lib/client-key";
import type { BatchResult, Mailer } from "../../worker/mail/create-mailer";
import { createOutboxMailer } from "../../worker/mail/outbox-mailer";
import { retryConfirmationEmails } from "../../worker/mail/confirmation-email";
import { CONFIRMATIONS_PER_DAY, subscribe } from "../../worker/subscribers/subscribe";
import { readerTokenOf } from "../helpers/reader-helpers";
import { recordingD1 } from "../helpers/recording-d1";
import {
  confirmLinkOf,
  confirmVia,
  DEFAULT_SERIES,
  inOneRateWindow,
  postForm,
  signUpAndConfirm,
  subscribeForm,
  subscribeJson,
  uniqueEmail,
  uniqueIp,
} from "../helpers/route-helpers";
import { consentsOf, findSubscriber, outboxFor } from "../helpers/rows";
import { testDeps, testDepsAt } from "../helpers/test-deps";

describe("per recipient: at most 3 confirmation emails per address per day, whoever asks", () => {
  it("20 signups of one address from 20 clients: 20 identical answers, 3 emails", async () => {
    const victim = uniqueEmail("victim");
    const answers = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const res = await subscribeForm({ email: victim }, { ip: uniqueIp() });
      expect(res.status).toBe(200);
      answers.add(await res.text());
    }
    expect(answers.size).toBe(1);
    expect(await outboxFor(victim)).toHaveLength(CONFIRMATIONS_PER_DAY);
    expect(await consentsOf((await findSubscriber(victim))!.id)).toHaveLength(CONFIRMATIONS_PER_DAY);

    // The JSON API says the same, and sends nothing more either.
    const json = await subscribeJson({ email: victim });
    expect(await json.json()).toEqual({
      ok: true,
      message: "Almost there: check your inbox for a link to confirm your subscription.",
    });
    expect(await outboxFor(victim)).toHaveLength(CONFIRMATIONS_PER_DAY);
  });

  it("a day later the address may get a link again", async () => {
    const email = uniqueEmail("next-day");
    const mailer = createOutboxMailer(env.DB);
    const series = findSeries(DEFAULT_SERIES)!;
    const day = 24 * 3600_000;
    const start = Date.now() - day - 60_000;
    for (let i = 0; i < 4; i++)
      expect(await subscribe(testDepsAt(start + i, { mailer: mailer }), { email, series, form: "api" })).toBe(
        i < 3 ? "confirmation_sent" : "throttled",
      );
    expect(await subscribe(testDeps({ mailer: mailer }), { email, series, form: "api" })).toBe("confirmation_sent");
    expect(await outboxFor(email)).toHaveLength(4);
  });

  it("the Resubscribe button pressed 10 times sends at most the day's remaining links", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("resub-10"));
    const token = await readerTokenOf(reader.subscriber.id);
    expect((await postForm(`/u/${token}`, { "List-Unsubscribe": "One-Click" }, { origin: null })).status).toBe(200);
    for (let i = 0; i < 10; i++) expect((await postForm(`/resubscribe/${token}`, "")).status).toBe(200);
    // The signup's own link plus two more: three in the day.
    expect(await outboxFor(reader.email)).toHaveLength(CONFIRMATIONS_PER_DAY);
    expect((await findSubscriber(reader.email))!.status).toBe("unsubscribed");
  });

  it("resubscribe from another site is refused (CSRF origin check) and sends nothing", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("resub-csrf"));
    const token = await readerTokenOf(reader.subscriber.id);
    expect((await postForm(`/u/${token}`, { "List-Unsubscribe": "One-Click" }, { origin: null })).status).toBe(200);
    expect((await postForm(`/resubscribe/${token}`, "", { origin: "https://evil.example" })).status).toBe(403);
    expect((await postForm(`/resubscribe/${token}`, "", { origin: null })).status).toBe(403);
    expect(await outboxFor(reader.email)).toHaveLength(1);
  });

  it("a bounced or complained address gets the same answer and no email", async () => {
    for (const status of ["bounced", "complained"]) {
      const email = uniqueEmail(`suppressed-${status}`);
      await subscribeForm({ email });
      await env.DB.prepare("UPDATE subscribers SET status = ?2 WHERE email_key = lower(?1)").bind(email, status).run();
      const res = await subscribeJson({ email });
      expect(res.status).toBe(200);
      expect(await outboxFor(email)).toHaveLength(1);
    }
  });
});

describe("per client: IPv6 clients are keyed by their /64", () => {
  it("normalises addresses", () => {
    expect(clientKey("2001:DB8:0:0:1:2:3:4")).toBe("2001:0db8:0000:0000::/64");
    expect(clientKey("2001:db8::1")).toBe("2001:0db8:0000:0000::/64");
    expect(clientKey("2001:db8:0:0:ffff::")).toBe("2001:0db8:0000:0000::/64");
    expect(clientKey("2001:db8:1::")).toBe("2001:0db8:0001:0000::/64");
    expect(clientKey("fe80::1%eth0")).toBe("fe80:0000:0000:0000::/64");
    expect(clientKey("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(clientKey("::FFFF:cb00:7107")).toBe("203.0.113.7");
    expect(clientKey("203.0.113.7")).toBe("203.0.113.7");
    expect(clientKey("::1")).toBe("0000:0000:0000:0000::/64");
    for (const junk of [
      undefined,
      "",
      "garbage",
      "1.2.3",
      "256.1.1.1",
      "2001:db8::1::2",
      "1:2:3:4:5:6:7:8:9",
      "2001:db8::g",
    ]) {
      expect(clientKey(junk), String(junk)).toBe("unknown");
    }
  });

  it("ten addresses inside one /64 share one signup budget (5 a minute)", async () => {
    const statuses = await inOneRateWindow(60, async (seed) => {
      // One /64 per run (from the fresh address inOneRateWindow hands out), ten hosts inside it.
      const prefix = seed.split(":").slice(0, 4).join(":");
      const seen: number[] = [];
      for (let host = 1; host <= 10; host++) {
        seen.push(
          (await subscribeJson({ email: uniqueEmail("v6") }, { ip: `${prefix}:${host.toString(16)}:0:0:${host}` }))
            .status,
        );
      }
      return seen;
    });
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429, 429, 429, 429, 429]);
  });

  it("an IPv4-mapped address counts as its IPv4 address", async () => {
    const statuses = await inOneRateWindow(60, async () => {
      const v4 = `198.51.100.${1 + Math.floor(Math.random() * 250)}`;
      const seen: number[] = [];
      for (let i = 0; i < 6; i++)
        seen.push((await subscribeJson({ email: uniqueEmail("v4") }, { ip: i % 2 ? `::ffff:${v4}` : v4 })).status);
      return seen;
    });
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
  });
});

/** Counts the D1 statements a request prepares, and how many of them were prepared before its answer. */
function countingEnv() {
  const { db, statements } = recordingD1();
  return { env: { ...env, DB: db } as Env, prepared: () => statements.length };
}

describe("uniform work: the answer does the same work whatever the address's state", () => {
  it("new, pending, active and suppressed addresses: the same D1 work before the answer, the rest after", async () => {
    const pending = uniqueEmail("uniform-pending");
    await subscribeForm({ email: pending });
    const active = (await signUpAndConfirm(uniqueEmail("uniform-active"))).email;
    const suppressed = uniqueEmail("uniform-bounced");
    await subscribeForm({ email: suppressed });
    await env.DB.prepare("UPDATE subscribers SET status = 'bounced' WHERE email_key = lower(?1)")
      .bind(suppressed)
      .run();

    const before: number[] = [];
    const total: number[] = [];
    for (const email of [uniqueEmail("uniform-new"), pending, active, suppressed]) {
      const counting = countingEnv();
      const ctx = createExecutionContext();
      const request = new Request("https://news.example.com/subscribe", {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": uniqueIp() },
        body: JSON.stringify({ email }),
      });
      const res = await worker.fetch(request, counting.env, ctx);
      before.push(counting.prepared());
      expect(await res.text()).toBe(
        JSON.stringify({
          ok: true,
          message: "Almost there: check your inbox for a link to confirm your subscription.",
        }),
      );
      await waitOnExecutionContext(ctx);
      total.push(counting.prepared());
    }
    expect(new Set(before).size).toBe(1);
    // The states differ only in the background (sanity: the counter sees that difference).
    expect(new Set(total).size).toBeGreaterThan(1);
  });
});

/** A provider that is down for the first `failures` calls (a timeout: outcome unknown), then accepts. */
function failingFirst(failures: number, result: BatchResult = { kind: "unknown", status: null, message: "timeout" }) {
  const inner = createOutboxMailer(env.DB);
  let calls = 0;
  const mailer: Mailer = {
    name: "resend",
    async sendBatch(emails, key) {
      calls++;
      if (calls <= failures) return result;
      return inner.sendBatch(emails, key);
    },
  };
  return { mailer, calls: () => calls };
}

describe("a confirmation email the provider refuses or times out on is retried, never lost", () => {
  it("an outage during signup: queued on the consent, sent by the cron's retry, and the link works", async () => {
    const email = uniqueEmail("outage");
    const provider = failingFirst(1);
    const now = Date.now();
    expect(
      await subscribe(testDepsAt(now, { mailer: provider.mailer }), {
        email,
        series: findSeries(DEFAULT_SERIES)!,
        form: "api",
      }),
    ).toBe("confirmation_queued");
    expect(await outboxFor(email)).toHaveLength(0);
    const [consent] = await consentsOf((await findSubscriber(email))!.id);
    const row = await env.DB.prepare("SELECT email_status, email_attempts, email_next_at FROM consents WHERE id = ?1")
      .bind(consent!.id)
      .first<{ email_status: string; email_attempts: number; email_next_at: number }>();
    expect(row).toMatchObject({ email_status: "queued", email_attempts: 1 });

    // Not yet due: the cron leaves it alone; once due, it sends it (once, however often the cron runs).
    expect(await retryConfirmationEmails(testDepsAt(now + 1000, { mailer: provider.mailer }))).toBe(0);
    expect(await retryConfirmationEmails(testDepsAt(row!.email_next_at, { mailer: provider.mailer }))).toBe(1);
    expect(await retryConfirmationEmails(testDepsAt(row!.email_next_at + 3600_000, { mailer: provider.mailer }))).toBe(
      0,
    );
    const mails = await outboxFor(email);
    expect(mails).toHaveLength(1);
    expect(provider.calls()).toBe(2);
    expect((await confirmVia(confirmLinkOf(mails[0]!))).status).toBe(200);
    expect((await findSubscriber(email))!.status).toBe("active");
  });

  it("a mailer that throws (network error) is retried the same way", async () => {
    const email = uniqueEmail("throws");
    const throwing: Mailer = {
      name: "resend",
      sendBatch: async () => {
        throw new Error("connection reset");
      },
    };
    const now = Date.now();
    expect(
      await subscribe(testDepsAt(now, { mailer: throwing }), {
        email,
        series: findSeries(DEFAULT_SERIES)!,
        form: "api",
      }),
    ).toBe("confirmation_queued");
    expect(await retryConfirmationEmails(testDepsAt(now + 3600_000, { mailer: createOutboxMailer(env.DB) }))).toBe(1);
    expect(await outboxFor(email)).toHaveLength(1);
  });

  it("a 4xx refusal is retried a few times, then given up with its reason", async () => {
    const email = uniqueEmail("refused");
    const refusing = failingFirst(100, { kind: "rejected", status: 422, message: "invalid recipient" });
    let now = Date.now();
    await subscribe(testDepsAt(now, { mailer: refusing.mailer }), {
      email,
      series: findSeries(DEFAULT_SERIES)!,
      form: "api",
    });
    for (let i = 0; i < 10; i++) {
      now += 2 * 3600_000;
      await retryConfirmationEmails(testDepsAt(now, { mailer: refusing.mailer }));
    }
    expect(refusing.calls()).toBe(5);
    const [consent] = await consentsOf((await findSubscriber(email))!.id);
    const row = await env.DB.prepare("SELECT email_status, email_error FROM consents WHERE id = ?1")
      .bind(consent!.id)
      .first();
    expect(row).toEqual({ email_status: "failed", email_error: "invalid recipient" });
  });
});

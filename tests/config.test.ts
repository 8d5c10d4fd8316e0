import {
  createExecutionContext,
  createMessageBatch,
  createScheduledController,
  getQueueResult,
  waitOnExecutionContext,
} from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { checkProductionConfig } from "../scripts/production-config";
import { productionToml } from "./fixtures/production-wrangler-toml";
import { ConfigError, configProblem, readConfig } from "../worker/config";
import type { DeliveryMessage, Env } from "../worker/env";
import worker from "../worker/index";
import { createMailer } from "../worker/mail/create-mailer";
import { signUpAndConfirm, uniqueEmail } from "./helpers/route-helpers";
import { outboxFor, subscriptionsOf } from "./helpers/rows";

const withVars = (vars: Partial<Env>) => ({ ...env, ...vars }) as Env;

/** A deployed Worker (no LOCAL_OUTBOX) with everything production needs. */
const production: Partial<Env> = {
  LOCAL_OUTBOX: "",
  RESEND_API_KEY: "re_live_key",
  ADMIN_TOKEN: "a".repeat(32),
  PUBLIC_URL: "https://news.example.com",
  TURNSTILE_SECRET: "",
  TURNSTILE_SITE_KEY: "",
};

const problemsOf = (vars: Partial<Env>) => {
  try {
    readConfig(withVars(vars));
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
};

describe("the retention policy's configuration (docs/retention.md)", () => {
  it("has documented defaults", () => {
    expect(readConfig(withVars({ RETAIN_DELIVERIES_DAYS: "", RETAIN_WEBHOOK_EVENTS_HOURS: "" }))).toMatchObject({
      retainWebhookEventsHours: 72,
      retainDeliveriesDays: 7,
      retainClicksDays: 30,
      retainPendingSignupsDays: 30,
      retainImportsDays: 30,
      retainOutboxDays: 7,
      retainFeedbackDeadLettersDays: 30,
      retentionChunksPerRun: 4,
    });
  });

  it("refuses a window shorter than its guarantee needs, saying why", () => {
    expect(problemsOf({ RETAIN_WEBHOOK_EVENTS_HOURS: "24" })).toEqual([
      expect.stringMatching(/RETAIN_WEBHOOK_EVENTS_HOURS must be at least 36 \(Resend retries/),
    ]);
    expect(problemsOf({ RETAIN_DELIVERIES_DAYS: "2" })).toEqual([
      expect.stringMatching(/RETAIN_DELIVERIES_DAYS must be at least 3 \(24 h of idempotency/),
    ]);
    expect(problemsOf({ RETAIN_PENDING_SIGNUPS_DAYS: "7" })).toEqual([
      expect.stringMatching(/RETAIN_PENDING_SIGNUPS_DAYS must be at least 8 \(a confirm link/),
    ]);
    expect(problemsOf({ RETAIN_FEEDBACK_DEAD_LETTERS_DAYS: "6" })).toEqual([
      expect.stringMatching(/RETAIN_FEEDBACK_DEAD_LETTERS_DAYS must be at least 7 \(a week for the operator/),
    ]);
    expect(problemsOf({ RETAIN_CLICKS_DAYS: "0" })).toHaveLength(1);
    expect(problemsOf({ RETENTION_CHUNKS_PER_RUN: "-1" })).toHaveLength(1);
    expect(problemsOf({ RETAIN_OUTBOX_DAYS: "1", RETAIN_IMPORTS_DAYS: "365", RETENTION_CHUNKS_PER_RUN: "0" })).toEqual(
      [],
    );
  });
});

describe("configuration", () => {
  it("reads the test bindings", () => {
    expect(readConfig(env)).toMatchObject({
      publicUrl: "https://news.example.com",
      adminToken: "test-admin-token",
      localOutbox: true,
    });
  });

  it("refuses to send real mail whose links would point at localhost", () => {
    for (const url of ["http://localhost:8787", "http://127.0.0.1:8787"]) {
      expect(() => readConfig(withVars({ RESEND_API_KEY: "re_live", PUBLIC_URL: url }))).toThrow(
        /PUBLIC_URL points at this machine/,
      );
    }
    // The local outbox, and a Resend stand-in (tests, benchmarks), are fine on localhost.
    expect(() => readConfig(withVars({ RESEND_API_KEY: "", PUBLIC_URL: "http://localhost:8787" }))).not.toThrow();
    expect(() =>
      readConfig(
        withVars({
          RESEND_API_KEY: "re_test",
          RESEND_BASE_URL: "http://127.0.0.1:9999",
          PUBLIC_URL: "http://127.0.0.1:8787",
        }),
      ),
    ).not.toThrow();
  });

  it("refuses a short signing secret", () => {
    expect(() => readConfig(withVars({ ...production, SIGNING_KEYS: "k1:short" }))).toThrow();
  });

  it("a production configuration passes", () => {
    expect(problemsOf(production)).toEqual([]);
    expect(problemsOf({ ...production, TURNSTILE_SECRET: "secret", TURNSTILE_SITE_KEY: "site-key" })).toEqual([]);
  });

  it("outside local runs: Resend, a 32-character admin token, https and Turnstile in pairs are required", () => {
    expect(problemsOf({ ...production, RESEND_API_KEY: "" })).toEqual([
      expect.stringContaining("RESEND_API_KEY is not set"),
    ]);
    expect(problemsOf({ ...production, ADMIN_TOKEN: "a".repeat(31) })).toEqual([
      "ADMIN_TOKEN must be at least 32 characters",
    ]);
    expect(problemsOf({ ...production, PUBLIC_URL: "http://news.example.com" })).toEqual([
      "PUBLIC_URL must start with https://",
    ]);
    expect(problemsOf({ ...production, TURNSTILE_SECRET: "secret" })).toEqual([
      "TURNSTILE_SECRET and TURNSTILE_SITE_KEY must be set together",
    ]);
    expect(problemsOf({ ...production, TURNSTILE_SITE_KEY: "site-key" })).toEqual([
      "TURNSTILE_SECRET and TURNSTILE_SITE_KEY must be set together",
    ]);
    // All at once: every problem is named.
    expect(
      problemsOf({ ...production, RESEND_API_KEY: "", ADMIN_TOKEN: "short", PUBLIC_URL: "http://x.example" }),
    ).toHaveLength(3);
  });

  it("the outbox mailer is only there when LOCAL_OUTBOX=1", () => {
    expect(createMailer(env, readConfig(env)).name).toBe("outbox");
    expect(() => createMailer(env, { ...readConfig(env), localOutbox: false })).toThrow(ConfigError);
    expect(createMailer(withVars(production), readConfig(withVars(production))).name).toBe("resend");
  });
});

describe("signing keys and the hash key", () => {
  const kidsOf = (vars: Partial<Env>) => readConfig(withVars(vars)).keyring.keys.map((key) => key.kid);

  it("read SIGNING_KEYS newest first; HASH_SECRET apart", () => {
    expect(kidsOf({})).toEqual(["t2", "t1"]);
    expect(kidsOf({ HASH_SECRET: "h".repeat(32) })).toEqual(["t2", "t1"]);
    expect(readConfig(env).hashSecret).toBe(env.HASH_SECRET);
  });

  it("the hash key is HASH_SECRET alone: never a rotation's key in its place", () => {
    const rotated = readConfig(withVars({ SIGNING_KEYS: `t3:${"n".repeat(32)},${env.SIGNING_KEYS}` }));
    expect(rotated.keyring.keys[0].kid).toBe("t3");
    expect(rotated.hashSecret).toBe(env.HASH_SECRET);
    expect(problemsOf({ HASH_SECRET: "" })).toEqual([expect.stringMatching(/^HASH_SECRET is not set/)]);
  });

  it("name a malformed ring, a duplicate id, a missing hash key, a hash key reused for signing", () => {
    expect(problemsOf({ SIGNING_KEYS: "t2 secret-0123456789abcdef" })).toEqual([
      'SIGNING_KEYS entry 1 is not "kid:secret"',
    ]);
    expect(problemsOf({ SIGNING_KEYS: `a:${"x".repeat(32)},a:${"y".repeat(32)}` })).toEqual([
      'SIGNING_KEYS entry 2: key id "a" appears twice',
    ]);
    expect(problemsOf({ SIGNING_KEYS: `Key-1:${"x".repeat(32)}` })).toEqual([
      'SIGNING_KEYS entry 1: the key id (before the ":") must be 1–8 of a-z, 0-9',
    ]);
    expect(problemsOf({ SIGNING_KEYS: `toolongkid:${"x".repeat(32)}` })).toEqual([
      'SIGNING_KEYS entry 1: the key id (before the ":") must be 1–8 of a-z, 0-9',
    ]);
    expect(problemsOf({ SIGNING_KEYS: "" })).toEqual([expect.stringContaining("no signing key: set SIGNING_KEYS")]);
    expect(problemsOf({ HASH_SECRET: "" })).toEqual([expect.stringContaining("HASH_SECRET is not set")]);
    const t1 = readConfig(env).keyring.keys[1]!.secret;
    expect(problemsOf({ HASH_SECRET: t1 })).toEqual(["HASH_SECRET must differ from every signing key"]);
  });

  it("a deployment that still sets only SIGNING_SECRET is refused, and told to set SIGNING_KEYS", () => {
    // No longer a binding (never released: no link it signed is in an inbox); a deployment may still carry it.
    const retired = { SIGNING_KEYS: "", SIGNING_SECRET: "s".repeat(32) } as Partial<Env>;
    const told = /^SIGNING_SECRET is no longer read: set SIGNING_KEYS \("kid:secret"/;
    expect(problemsOf(retired)).toEqual([expect.stringMatching(told)]);
    expect(problemsOf({ ...production, ...retired })).toEqual([expect.stringMatching(told)]);
    // Beside SIGNING_KEYS it is ignored: it neither signs nor verifies.
    expect(kidsOf({ SIGNING_SECRET: "s".repeat(32) } as Partial<Env>)).toEqual(["t2", "t1"]);
  });

  it("outside local runs every signing and hash key has 32 characters", () => {
    const short = "s".repeat(20);
    expect(problemsOf({ ...production, SIGNING_KEYS: `k2:${short},k1:${"x".repeat(32)}` })).toEqual([
      'SIGNING_KEYS key "k2" must be at least 32 characters',
    ]);
    expect(problemsOf({ ...production, HASH_SECRET: short })).toEqual(["HASH_SECRET must be at least 32 characters"]);
    // Local runs keep the old 16-character floor.
    expect(problemsOf({ SIGNING_KEYS: `k2:${short}`, HASH_SECRET: "h".repeat(20) })).toEqual([]);
  });

  it("a malformed ring takes the Worker to the 503 page, never a 500, and the log says why without the secret", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const vars = withVars({ SIGNING_KEYS: "t2:leaked-looking-secret-0123456789,t2:another-secret-0123456789abc" });
      for (const path of ["/", "/u/t2.AAAAAAAA.x", "/confirm/t2.AAAAAAAA.1.x"]) {
        const res = await worker.fetch(new Request(`https://news.example.com${path}`), vars, createExecutionContext());
        expect(res.status, path).toBe(503);
      }
      const logged = log.mock.calls.map((call) => String(call.join(" "))).join("\n");
      expect(logged).toContain('key id "t2" appears twice');
      expect(logged).not.toContain("leaked-looking-secret");
    } finally {
      log.mockRestore();
    }
  });
});

describe("a misconfigured Worker", () => {
  // Deployed without RESEND_API_KEY (and without LOCAL_OUTBOX): it must not "send" into the outbox.
  const broken = () => withVars({ LOCAL_OUTBOX: "", RESEND_API_KEY: "" });

  it("answers a clear 503 page (and logs why) instead of 500s, on every route", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      for (const path of ["/", "/healthz", "/p/origins-of-lead-change", "/admin/api/subscribers"]) {
        const res = await worker.fetch(
          new Request(`https://news.example.com${path}`),
          broken(),
          createExecutionContext(),
        );
        expect(res.status, path).toBe(503);
        const body = await res.text();
        if (path.startsWith("/admin/api/")) expect(JSON.parse(body).error.code).toBe("NOT_CONFIGURED");
        else expect(body).toContain("<h1>Not available yet</h1>");
        // What is wrong goes to the log, not to visitors.
        expect(body).not.toContain("RESEND_API_KEY");
      }
      const signup = await worker.fetch(
        new Request("https://news.example.com/subscribe", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ email: uniqueEmail("misconfigured") }),
        }),
        broken(),
        createExecutionContext(),
      );
      expect(signup.status).toBe(503);
      expect(log.mock.calls.some((call) => String(call.join(" ")).includes("RESEND_API_KEY is not set"))).toBe(true);
    } finally {
      log.mockRestore();
    }
  });

  it("the queue consumer refuses to send: the messages stay on the queue (retried later), none is acked", async () => {
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const batch = createMessageBatch<DeliveryMessage>("nextpart-delivery", [
        { id: "m1", timestamp: new Date(), attempts: 1, body: { batchId: "no-such-batch" } },
      ]);
      const ctx = createExecutionContext();
      await worker.queue(batch, broken(), ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.retryBatch.retry).toBe(true);
      expect(result.ackAll).toBe(false);
      expect(result.explicitAcks).toEqual([]);
    } finally {
      log.mockRestore();
    }
  });

  it("the cron refuses to send (readers are not advanced), and sends once the configuration is fixed", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("cron-misconfigured"));
    await env.DB.prepare("UPDATE subscriptions SET due_at = 0 WHERE subscriber_id = ?1")
      .bind(reader.subscriber.id)
      .run();
    const log = vi.spyOn(console, "error").mockImplementation(() => {});
    const tick = async (vars: Env) => {
      const ctx = createExecutionContext();
      await worker.scheduled(createScheduledController({ scheduledTime: Date.now(), cron: "* * * * *" }), vars, ctx);
      await waitOnExecutionContext(ctx);
    };
    try {
      expect(configProblem(broken())).toContain("RESEND_API_KEY");
      await tick(broken());
      expect(log.mock.calls.some((call) => String(call.join(" ")).includes("refusing to send"))).toBe(true);
    } finally {
      log.mockRestore();
    }
    expect(await outboxFor(reader.email)).toHaveLength(1);
    expect((await subscriptionsOf(reader.subscriber.id))[0]).toMatchObject({ nextPart: 1, batchId: null });

    await tick(withVars({ DELIVERY_QUEUE: undefined }));
    const subjects = (await outboxFor(reader.email)).map((mail) => mail.subject);
    expect(subjects).toHaveLength(2);
    expect(subjects[1]).toContain("Part 1");
  });
});

describe("npm run check: the production configuration in wrangler.toml", () => {
  const ready = productionToml;
  const withTurnstile = ready.replace("[vars]", '[vars]\nTURNSTILE_SITE_KEY = "0x4AAAAAAA-site-key"');

  it("a ready file passes; secrets not given are listed as what to set", () => {
    expect(checkProductionConfig(withTurnstile, {})).toEqual({
      problems: [],
      warnings: [],
      unchecked: [
        "SIGNING_KEYS",
        "HASH_SECRET",
        "ADMIN_TOKEN",
        "RESEND_API_KEY",
        "RESEND_WEBHOOK_SECRET",
        "TURNSTILE_SECRET",
      ],
    });
    const secrets = {
      SIGNING_KEYS: `k1:${"s".repeat(32)}`,
      HASH_SECRET: "h".repeat(32),
      ADMIN_TOKEN: "a".repeat(32),
      RESEND_API_KEY: "re_x",
      RESEND_WEBHOOK_SECRET: "whsec_x",
      TURNSTILE_SECRET: "0x4AAA-secret",
    };
    expect(checkProductionConfig(withTurnstile, secrets)).toEqual({ problems: [], warnings: [], unchecked: [] });
  });

  it("without Turnstile: deployable, with a loud warning that signups are not checked for bots", () => {
    const report = checkProductionConfig(ready, {});
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([
      expect.stringMatching(
        /^Turnstile is off: signups are not checked for bots.*TURNSTILE_SITE_KEY.*TURNSTILE_SECRET/,
      ),
    ]);
    expect(report.unchecked).not.toContain("TURNSTILE_SECRET");
  });

  it("checks signing keys given in the environment (CI); SIGNING_SECRET alone is refused, never asked for", () => {
    expect(
      checkProductionConfig(ready, { SIGNING_KEYS: `k2:${"s".repeat(20)},k2:${"t".repeat(32)}` }).problems,
    ).toEqual(['SIGNING_KEYS entry 2: key id "k2" appears twice']);
    expect(
      checkProductionConfig(ready, { SIGNING_KEYS: `k1:${"s".repeat(20)}`, HASH_SECRET: "h".repeat(32) }).problems,
    ).toEqual(['SIGNING_KEYS key "k1" must be at least 32 characters']);
    // A deployment that still sets the single key from before key ids: told to set SIGNING_KEYS, which it lacks.
    expect(checkProductionConfig(ready, { SIGNING_SECRET: "s".repeat(32) })).toMatchObject({
      problems: [expect.stringMatching(/^SIGNING_SECRET is no longer read: set SIGNING_KEYS/)],
      unchecked: expect.arrayContaining(["SIGNING_KEYS", "HASH_SECRET"]),
    });
    expect(checkProductionConfig(ready.replace("[vars]", '[vars]\nSIGNING_SECRET = "x"'), {}).problems).toEqual([
      "[vars] SIGNING_SECRET is no longer read: remove it from wrangler.toml (SIGNING_KEYS signs)",
    ]);
    expect(checkProductionConfig(ready, {}).unchecked).not.toContain("SIGNING_SECRET");
  });

  it("says what is missing", () => {
    const local = ready
      .replace("https://news.example.org", "http://localhost:8787")
      .replace("5f0c7a7e-1111-2222-3333-444455556666", "00000000-0000-0000-0000-000000000000")
      .replace('[[ratelimits]]\nname = "ADMIN_AUTH_LIMITER"', "")
      .replace("[vars]", '[vars]\nLOCAL_OUTBOX = "1"\nTURNSTILE_SITE_KEY = "key"');
    const { problems, unchecked } = checkProductionConfig(local, { ADMIN_TOKEN: "short" });
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringContaining("LOCAL_OUTBOX is for local runs only"),
        "PUBLIC_URL must start with https://",
        "ADMIN_TOKEN must be at least 32 characters",
        expect.stringContaining("[[d1_databases]] DB has no database_id"),
        "[[ratelimits]] ADMIN_AUTH_LIMITER is missing",
      ]),
    );
    expect(unchecked).toEqual([
      "SIGNING_KEYS",
      "HASH_SECRET",
      "RESEND_API_KEY",
      "RESEND_WEBHOOK_SECRET",
      "TURNSTILE_SECRET",
    ]);
  });
});

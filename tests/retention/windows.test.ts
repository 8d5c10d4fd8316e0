import { createExecutionContext, createScheduledController, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../../worker/index";
import { readConfig } from "../../worker/config";
import { retentionPolicy } from "../../worker/retention/policy";
import { runRetention, type RetentionSummary } from "../../worker/retention/run-retention";
import { DAY, resetDatabase } from "../helpers/delivery-helpers";
import { countRows } from "../helpers/rows";
import { testDeps } from "../helpers/test-deps";

/**
 * Each window (RETAIN_*, worker/config.ts) on the simulated clock: a row is kept until exactly its window has
 * passed, and goes at that instant; the newer row beside it stays until its own turn.
 */
beforeEach(async () => {
  await env.DB.batch(
    ["import_rows", "import_chunks", "import_jobs", "feedback_dead_letters", "rate_counters"].map((table) =>
      env.DB.prepare(`DELETE FROM ${table}`),
    ),
  );
  await resetDatabase();
});

const T = Date.UTC(2026, 2, 2, 9, 30);
const policy = retentionPolicy(readConfig(env));
const retainAt = (now: number) => runRetention(testDeps(), { now });

/** Rows made at T and T + 1 ms: at T + window - 1 both stay, at T + window the first goes, then the second. */
async function expectWindow(table: string, windowMs: number, where = "1") {
  expect(await countRows(table, where)).toBe(2);
  await retainAt(T + windowMs - 1);
  expect(await countRows(table, where), `${table} a millisecond early`).toBe(2);
  await retainAt(T + windowMs);
  expect(await countRows(table, where), `${table} at its window`).toBe(1);
  await retainAt(T + windowMs + 1);
  expect(await countRows(table, where), `${table} after`).toBe(0);
}

describe("each window is kept to the millisecond", () => {
  it("webhook events: RETAIN_WEBHOOK_EVENTS_HOURS (72), longer than Resend's ~32 h of retries", async () => {
    const insert = env.DB.prepare(
      `INSERT INTO webhook_events (id, type, received_at) VALUES (?1, 'email.delivered', ?2)`,
    );
    await env.DB.batch([insert.bind("msg_a", T), insert.bind("msg_b", T + 1)]);
    expect(policy.webhookEventsMs).toBe(72 * 60 * 60 * 1000);
    await expectWindow("webhook_events", policy.webhookEventsMs);
  });

  it("feedback dead letters: RETAIN_FEEDBACK_DEAD_LETTERS_DAYS (30) after they dead-lettered", async () => {
    const insert = env.DB.prepare(
      `INSERT INTO feedback_dead_letters (id, svix_id, type, dead_at) VALUES (?1, ?1, 'email.bounced', ?2)`,
    );
    await env.DB.batch([insert.bind("dead_a", T), insert.bind("dead_b", T + 1)]);
    expect(policy.feedbackDeadLettersMs).toBe(30 * DAY);
    await expectWindow("feedback_dead_letters", policy.feedbackDeadLettersMs);
  });

  it("shared rate counters: a day after the longest window (an hour) that started with them; a live counter stays", async () => {
    const insert = env.DB.prepare(`INSERT INTO rate_counters (name, window_start, count) VALUES (?1, ?2, 3)`);
    await env.DB.batch([
      insert.bind("confirm-domain:a.example", T),
      insert.bind("confirm-domain:b.example", T + 1),
      insert.bind("test-send", T + policy.rateCountersMs),
    ]);
    expect(policy.rateCountersMs).toBe(DAY + 60 * 60 * 1000);
    await expectWindow("rate_counters", policy.rateCountersMs, "name LIKE 'confirm-domain:%'");
    expect(await countRows("rate_counters", "name = 'test-send'")).toBe(1);
  });

  it("the local outbox: RETAIN_OUTBOX_DAYS", async () => {
    const insert = env.DB.prepare(
      `INSERT INTO outbox (id, "from", "to", subject, html, text, headers, created_at) VALUES (?1, 'f', 't', 's', 'h', 'x', '{}', ?2)`,
    );
    await env.DB.batch([insert.bind("o1", T), insert.bind("o2", T + 1)]);
    await expectWindow("outbox", policy.outboxMs);
  });

  it("clicks: RETAIN_CLICKS_DAYS once their delivery is slimmed; a live delivery's clicks stay (its marks depend on them)", async () => {
    const insert = env.DB.prepare(
      `INSERT INTO clicks (delivery_id, subscriber_id, series, part_number, part_id, link, created_at) VALUES (?1, 1, 's', 1, 'p', 0, ?2)`,
    );
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO subscribers (id, email, email_key, status, created_at, updated_at) VALUES (1, 'c@example.com', 'c@example.com', 'active', 0, 0)`,
      ),
      env.DB.prepare(
        `INSERT INTO subscriptions (id, subscriber_id, series, status, created_at, updated_at) VALUES (1, 1, 's', 'active', 0, 0)`,
      ),
      env.DB.prepare(
        `INSERT INTO deliveries (id, subscription_id, subscriber_id, series, part_id, part_number, batch_id, status, to_email, created_at, sent_at)
         VALUES (7, 1, 1, 's', 'p', 1, 'b', 'sent', 'c@example.com', 0, 0)`,
      ),
      insert.bind(5, T), // delivery 5 was slimmed: it is no longer in deliveries
      insert.bind(5, T + 1),
      insert.bind(7, T), // delivery 7 is live
    ]);
    await expectWindow("clicks", policy.clicksMs, "delivery_id = 5");
    await retainAt(T + 10 * policy.clicksMs);
    expect(await countRows("clicks", "delivery_id = 7")).toBe(1);
  });

  it("import reports: RETAIN_IMPORTS_DAYS after the import finished, a chunk of rows at a time, then the job", async () => {
    const job = env.DB.prepare(
      `INSERT INTO import_jobs (id, status, total, chunks, created_at, finished_at) VALUES (?1, ?2, 1200, 2, 0, ?3)`,
    );
    await env.DB.batch([
      job.bind("old", "done", T),
      job.bind("newer", "failed", T + 1),
      job.bind("running", "running", null),
      ...["old", "newer", "running"].map((id) =>
        env.DB.prepare(
          `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)
           INSERT INTO import_rows (job_id, row, email, outcome) SELECT ?1, i, 'r' || i || '@example.com', 'active' FROM n`,
        ).bind(id),
      ),
      ...["old", "newer"].flatMap((id) =>
        [0, 1].map((chunk) =>
          env.DB.prepare(`INSERT INTO import_chunks (job_id, chunk, token, done_at) VALUES (?1, ?2, 't', 0)`).bind(
            id,
            chunk,
          ),
        ),
      ),
    ]);
    await retainAt(T + policy.importsMs - 1);
    expect(await countRows("import_rows")).toBe(3600);
    const run = await retainAt(T + policy.importsMs);
    expect(run.rows).toMatchObject({ import_rows: 1200, import_jobs: 1 });
    expect(await countRows("import_jobs", "id = 'old'")).toBe(0);
    expect(await countRows("import_chunks", "job_id = 'old'")).toBe(0);
    expect(await countRows("import_rows", "job_id = 'newer'")).toBe(1200);
    await retainAt(T + policy.importsMs + 1);
    await retainAt(T + policy.importsMs + 1);
    expect(await countRows("import_jobs")).toBe(1); // the running one: never finished, never trimmed
    expect(await countRows("import_rows")).toBe(1200);
    expect(await countRows("import_chunks")).toBe(0);
  });
});

describe("never-confirmed signups", () => {
  /** A reader who signed up at `at` and never confirmed: pending, with a pending subscription and its consent. */
  async function pendingReader(id: number, at: number, consents: number[] = [at]) {
    await env.DB.batch([
      env.DB.prepare(
        `INSERT INTO subscribers (id, email, email_key, status, created_at, updated_at) VALUES (?1, ?2, ?2, 'pending', ?3, ?3)`,
      ).bind(id, `p${id}@example.com`, at),
      env.DB.prepare(
        `INSERT INTO subscriptions (subscriber_id, series, status, created_at, updated_at) VALUES (?1, 'fixture-four', 'pending', ?2, ?2)`,
      ).bind(id, at),
      ...consents.map((given) =>
        env.DB.prepare(
          `INSERT INTO consents (subscriber_id, series, form, consent_text_version, created_at, expires_at, email_status) VALUES (?1, 'fixture-four', 'signup-form', 'v', ?2, ?3, 'sent')`,
        ).bind(id, given, given + 7 * DAY),
      ),
    ]);
  }

  it("are purged with their consents RETAIN_PENDING_SIGNUPS_DAYS after their last signup", async () => {
    await pendingReader(1, T);
    await pendingReader(2, T + 1);
    // Signed up again later: the window runs from the newest consent.
    await pendingReader(3, T, [T, T + 5 * DAY]);
    expect(policy.pendingSignupsMs).toBe(30 * DAY);
    await expectWindow("subscribers", policy.pendingSignupsMs, "id IN (1, 2)");
    expect(await countRows("consents", "subscriber_id IN (1, 2)")).toBe(0);
    expect(await countRows("subscriptions", "subscriber_id IN (1, 2)")).toBe(0);
    expect(await countRows("subscribers", "id = 3")).toBe(1);
    await retainAt(T + 5 * DAY + policy.pendingSignupsMs);
    expect(await countRows("subscribers")).toBe(0);
    expect(await countRows("consents")).toBe(0);
  });

  it("keeps every reader who confirmed once, left, bounced, or got going in some series", async () => {
    const reader = env.DB.prepare(
      `INSERT INTO subscribers (id, email, email_key, status, created_at, updated_at, confirmed_at) VALUES (?1, ?2, ?2, ?3, ?4, ?4, ?5)`,
    );
    await env.DB.batch([
      reader.bind(10, "active@example.com", "active", T, T),
      reader.bind(11, "left@example.com", "unsubscribed", T, null),
      reader.bind(12, "bounced@example.com", "bounced", T, null),
      // Pending but confirmed once (a consent confirmed), or with a subscription that received a part.
      reader.bind(13, "consented@example.com", "pending", T, null),
      env.DB.prepare(
        `INSERT INTO consents (subscriber_id, series, form, consent_text_version, created_at, confirmed_at) VALUES (13, 's', 'api', 'v', ?1, ?1)`,
      ).bind(T),
      reader.bind(14, "sent@example.com", "pending", T, null),
      env.DB.prepare(
        `INSERT INTO subscriptions (subscriber_id, series, status, last_part_id, created_at, updated_at) VALUES (14, 's', 'pending', 'p1', 0, 0)`,
      ),
    ]);
    await retainAt(T + 10 * policy.pendingSignupsMs);
    expect(await countRows("subscribers")).toBe(5);
  });
});

describe("the cron", () => {
  it("runs retention at its scheduled time, beside the delivery cycle, and logs one line of what went per table", async () => {
    const insert = env.DB.prepare(`INSERT INTO webhook_events (id, type, received_at) VALUES (?1, 'email.sent', ?2)`);
    await env.DB.batch([insert.bind("cron_a", T), insert.bind("cron_b", T + 1)]);
    const log = vi.spyOn(console, "log");
    try {
      const ctx = createExecutionContext();
      await worker.scheduled(
        createScheduledController({ scheduledTime: T + policy.webhookEventsMs, cron: "* * * * *" }),
        env,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      const lines = log.mock.calls.filter(([tag]) => tag === "retention");
      expect(lines).toHaveLength(1);
      const summary = JSON.parse(lines[0]![1] as string) as RetentionSummary;
      expect(summary).toMatchObject({ at: new Date(T + policy.webhookEventsMs).toISOString(), errors: [] });
      expect(summary.rows).toEqual({
        webhook_events: 1,
        deliveries: 0,
        batches: 0,
        clicks: 0,
        subscribers: 0,
        consents: 0,
        import_rows: 0,
        import_jobs: 0,
        outbox: 0,
        feedback_dead_letters: 0,
        rate_counters: 0,
      });
      expect(summary.d1.statements).toBeGreaterThan(0);
    } finally {
      log.mockRestore();
    }
    expect(await countRows("webhook_events")).toBe(1);
  });
});

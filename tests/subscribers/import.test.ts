import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { readConfig } from "../../worker/config";
import { findSeries } from "../../worker/content/catalog";
import { createOutboxMailer } from "../../worker/mail/outbox-mailer";
import { retryConfirmationEmails } from "../../worker/mail/confirmation-email";
import { CONFIRMATION_SPACING_MS } from "../../worker/subscribers/import/process-import-chunk";
import { subscribe } from "../../worker/subscribers/subscribe";
import { suppressionHash } from "../../worker/subscribers/suppression";
import { adminGet, importCsv, postCsv, reportOf, resetImportTables, waitForJob } from "../helpers/import-helpers";
import { countRows } from "../helpers/rows";
import { DEFAULT_SERIES } from "../helpers/route-helpers";

beforeEach(resetImportTables);

const config = () => readConfig(env);

/** A reader already on the list: subscribed to a series, with a status. */
async function seedReader(email: string, status: string, series = DEFAULT_SERIES) {
  const reader = await env.DB.prepare(
    `INSERT INTO subscribers (email, email_key, status, created_at, updated_at) VALUES (?1, lower(?1), ?2, 0, 0) RETURNING id`,
  )
    .bind(email, status)
    .first<{ id: number }>();
  await env.DB.prepare(
    `INSERT INTO subscriptions (subscriber_id, series, status, created_at, updated_at) VALUES (?1, ?2, 'active', 0, 0)`,
  )
    .bind(reader!.id, series)
    .run();
}

const EVERY_OUTCOME = [
  "email,name,timezone,series,consented_at,consent_source",
  "ann@example.com,Ann,Europe/Paris,fixture-four,2026-01-15T09:00:00Z,newsletter form 2025", // 1 active
  "bob@example.com,Bob,,fixture-four,,", // 2 pending
  "old@example.com,Old,,fixture-four,2026-01-01,fair", // 3 duplicate: already a reader of fixture-four
  "ANN@example.com,Ann again,,fixture-four,,", // 4 duplicate: row 1 again (case-insensitive)
  "erased@example.com,,,,2026-01-01,fair", // 5 suppressed: erased
  "bounced@example.com,,,fixture-four,,", // 6 suppressed: bounced
  "not-an-address,,,,,", // 7 invalid email
  "tz@example.com,,Mars/Olympus,,,", // 8 invalid timezone
  "series@example.com,,,no-such-series,,", // 9 invalid series
  "future@example.com,,,,2999-01-01,form", // 10 invalid: consent in the future
  "half@example.com,,,,2026-01-01,", // 11 invalid: consented_at without consent_source
  "link@example.com,visit evil.example,,,,", // 12 invalid name (signup's rules)
  "short@example.com,Short", // 13 invalid: fewer fields than the header
  "carol@example.com,Carol,,,,", // 14 pending, default series
].join("\n");

describe("POST /admin/api/subscribers/import", () => {
  it("imports through the queue and reports every row's outcome", async () => {
    await seedReader("old@example.com", "active", "fixture-four");
    await seedReader("bounced@example.com", "bounced", DEFAULT_SERIES);
    await env.DB.prepare(`INSERT INTO suppressions (email_hash, reason, created_at) VALUES (?1, 'erased', 0)`)
      .bind(await suppressionHash(config().hashSecret, "Erased@Example.com"))
      .run();

    const res = await postCsv(EVERY_OUTCOME);
    expect(res.status).toBe(202);
    const { job: queued } = (await res.json()) as {
      job: { id: string; status: string; total: number; processed: number };
    };
    expect(queued).toMatchObject({ status: "queued", total: 14, processed: 0 });

    const job = await waitForJob(queued.id);
    expect(job).toMatchObject({ status: "done", total: 14, processed: 14, active: 1, pending: 2, skipped: 11 });
    expect(job.finishedAt).not.toBeNull();

    const report = await reportOf(job.id);
    expect(report.map((row) => [row.row, row.outcome])).toEqual([
      [1, "active"],
      [2, "pending"],
      [3, "duplicate"],
      [4, "duplicate"],
      [5, "suppressed"],
      [6, "suppressed"],
      [7, "invalid"],
      [8, "invalid"],
      [9, "invalid"],
      [10, "invalid"],
      [11, "invalid"],
      [12, "invalid"],
      [13, "invalid"],
      [14, "pending"],
    ]);
    const message = (row: number) => report.find((r) => r.row === row)!.message;
    expect(message(3)).toBe("Already a reader of fixture-four.");
    expect(message(4)).toMatch(/earlier row/);
    expect(message(5)).toMatch(/erased/);
    expect(message(6)).toMatch(/bounced/);
    expect(message(7)).toMatch(/^email: /);
    expect(message(8)).toMatch(/^timezone: /);
    expect(message(9)).toMatch(/^series: no series "no-such-series"/);
    expect(message(10)).toBe("consented_at is in the future.");
    expect(message(11)).toMatch(/go together/);
    expect(message(12)).toBe("name: Your name cannot contain a web address or link.");
    expect(message(13)).toMatch(/as many fields as the header/);

    // The report filtered by outcome, one small page at a time.
    const invalid = await reportOf(job.id, "&outcome=invalid");
    expect(invalid.map((row) => row.row)).toEqual([7, 8, 9, 10, 11, 12, 13]);
    const firstPage = (await (await adminGet(`/imports/${job.id}/rows?outcome=invalid&limit=3`)).json()) as {
      data: { row: number }[];
      has_more: boolean;
      next_cursor: string;
    };
    expect(firstPage).toMatchObject({ has_more: true, next_cursor: "9" });
    expect(firstPage.data.map((row) => row.row)).toEqual([7, 8, 9]);

    // Only the three new readers were written; the bounced and the erased addresses were not.
    expect(await countRows("subscribers")).toBe(2 + 3);
    expect(await countRows("subscribers", "email_key IN ('erased@example.com', 'not-an-address')")).toBe(0);
  });

  it("makes rows with stated consent active and due now, and the others pending with a queued confirmation", async () => {
    const before = Date.now();
    const job = await importCsv(EVERY_OUTCOME);
    const ann = await env.DB.prepare(
      `SELECT s.status, s.name, s.timezone, s.confirmed_at AS confirmedAt, t.status AS subscription, t.due_at AS dueAt, t.next_part AS nextPart,
         c.form, c.source, c.confirmed_at AS consentConfirmedAt, c.created_at AS consentCreatedAt, c.email_status AS emailStatus, c.import_job_id AS jobId
       FROM subscribers s JOIN subscriptions t ON t.subscriber_id = s.id JOIN consents c ON c.subscriber_id = s.id
       WHERE s.email_key = 'ann@example.com'`,
    ).all();
    const consentedAt = Date.parse("2026-01-15T09:00:00Z");
    expect(ann.results).toEqual([
      {
        status: "active",
        name: "Ann",
        timezone: "Europe/Paris",
        confirmedAt: consentedAt,
        subscription: "active",
        dueAt: expect.any(Number),
        nextPart: 1,
        form: "import",
        source: "newsletter form 2025",
        consentConfirmedAt: consentedAt,
        consentCreatedAt: consentedAt,
        emailStatus: null,
        jobId: job.id,
      },
    ]);
    // fixture-four's part 1 has no delay and no send window: due at the import.
    expect(ann.results[0]!.dueAt).toBeGreaterThanOrEqual(before);
    expect(ann.results[0]!.dueAt).toBeLessThanOrEqual(Date.now());

    const pending = await env.DB.prepare(
      `SELECT s.email, s.status, s.name, t.status AS subscription, t.due_at AS dueAt, c.pending_name AS pendingName,
         c.email_status AS emailStatus, c.email_next_at AS emailAt, c.expires_at AS expiresAt, c.confirmed_at AS consentConfirmedAt
       FROM subscribers s JOIN subscriptions t ON t.subscriber_id = s.id JOIN consents c ON c.subscriber_id = s.id
       WHERE s.email_key IN ('bob@example.com', 'carol@example.com') ORDER BY s.email`,
    ).all<{ email: string; emailAt: number; expiresAt: number }>();
    expect(pending.results).toMatchObject([
      {
        email: "bob@example.com",
        status: "pending",
        name: null,
        subscription: "pending",
        dueAt: null,
        pendingName: "Bob",
        emailStatus: "queued",
        consentConfirmedAt: null,
      },
      {
        email: "carol@example.com",
        status: "pending",
        name: null,
        subscription: "pending",
        dueAt: null,
        pendingName: "Carol",
        emailStatus: "queued",
        consentConfirmedAt: null,
      },
    ]);
    // Spaced by row at the cron's pace (row 2 and row 14), each link good for a week from its email.
    const created = Date.parse(job.createdAt);
    expect(pending.results.map((row) => row.emailAt)).toEqual([
      created + 1 * CONFIRMATION_SPACING_MS,
      created + 13 * CONFIRMATION_SPACING_MS,
    ]);
    expect(pending.results[0]!.expiresAt - pending.results[0]!.emailAt).toBe(7 * 24 * 3600 * 1000);
    // Nothing was mailed by the import itself.
    expect(await countRows("outbox")).toBe(0);
  });

  it("sends imported confirmations only at the cron's pace, each on a slot of the team's rate limit", async () => {
    const rows = Array.from({ length: 45 }, (_, i) => `paced${i + 1}@example.com,Reader ${i + 1}`);
    const job = await importCsv(["email,name", ...rows].join("\n"));
    expect(job).toMatchObject({ pending: 45, active: 0 });
    const created = Date.parse(job.createdAt);
    const mailer = createOutboxMailer(env.DB);
    const tickAt = (now: number, at = config()) =>
      retryConfirmationEmails({ db: env.DB, config: at, mailer, clock: () => now });

    // At the import, only row 1 is due; a minute later rows up to 21, of which a tick sends its 20.
    expect(await tickAt(created)).toBe(1);
    expect(await tickAt(created + 60_000)).toBe(20);
    expect(await tickAt(created + 60_000)).toBe(0);
    expect(await countRows("outbox")).toBe(21);
    const sent = await env.DB.prepare(`SELECT "to", subject, text FROM outbox ORDER BY rowid`).all<{
      to: string;
      subject: string;
      text: string;
    }>();
    expect(sent.results.map((mail) => mail.to)).toEqual(
      Array.from({ length: 21 }, (_, i) => `paced${i + 1}@example.com`),
    );
    expect(sent.results[0]!.text).toContain("https://news.example.com/confirm/");

    // With the team's limit on (5/s), each email books the next slot of the shared provider_slots row.
    const paced = { ...config(), providerRps: 5 };
    const start = Date.now();
    expect(await tickAt(created + 75_000, paced)).toBe(5); // rows 22–26 are due by then
    const slot = await env.DB.prepare(
      `SELECT next_slot_at AS nextSlotAt FROM provider_slots WHERE provider = 'outbox'`,
    ).first<{ nextSlotAt: number }>();
    expect(slot!.nextSlotAt - start).toBeGreaterThanOrEqual(5 * 200);
    expect(Date.now() - start).toBeGreaterThanOrEqual(4 * 200);
  }, 20_000);

  it("imported confirmations count in their mailbox's daily cap, and are not held by the hourly caps on strangers' signups", async () => {
    const job = await importCsv(
      ["email,name", "V.Ictim+list@GoogleMail.com,", "two@example.com,", "three@example.com,"].join("\n"),
    );
    const keys = await env.DB.prepare("SELECT mailbox_key AS key FROM consents ORDER BY id").all<{ key: string }>();
    expect(keys.results.map((row) => row.key)).toEqual(["victim@gmail.com", "two@example.com", "three@example.com"]);
    // Hourly caps of one: an import's confirmations still all go, at the import's own pace.
    const capped = { ...config(), confirmationsPerDomainPerHour: 1, confirmationsPerHour: 1 };
    expect(
      await retryConfirmationEmails({
        db: env.DB,
        config: capped,
        mailer: createOutboxMailer(env.DB),
        clock: () => Date.parse(job.createdAt) + 60_000,
      }),
    ).toBe(3);
    expect(await countRows("outbox")).toBe(3);
    // The import's email was that inbox's first of the day: strangers' signups of it get two more, not three.
    const signUp = (email: string) =>
      subscribe(
        { db: env.DB, config: config(), mailer: createOutboxMailer(env.DB), clock: Date.now },
        {
          email,
          series: findSeries(DEFAULT_SERIES)!,
          form: "api",
        },
      );
    expect([
      await signUp("victim@gmail.com"),
      await signUp("vic.tim@gmail.com"),
      await signUp("victim+x@gmail.com"),
    ]).toEqual(["confirmation_sent", "confirmation_sent", "throttled"]);
  });

  it("adds a series to a known reader, and activates one who never confirmed when the file states consent", async () => {
    await seedReader("known@example.com", "active", DEFAULT_SERIES);
    await seedReader("unconfirmed@example.com", "pending", DEFAULT_SERIES);
    const job = await importCsv(
      [
        "email,name,series,consented_at,consent_source",
        "known@example.com,New Name,fixture-four,2026-02-01,fair",
        "unconfirmed@example.com,,fixture-four,2026-02-01,fair",
      ].join("\n"),
    );
    expect(job).toMatchObject({ active: 2, pending: 0, skipped: 0 });
    const readers = await env.DB.prepare(
      `SELECT s.email, s.status, s.name, t.series, t.status AS subscription FROM subscribers s
       JOIN subscriptions t ON t.subscriber_id = s.id ORDER BY s.email, t.series`,
    ).all();
    // A known reader keeps their name: the file only adds the series.
    expect(readers.results).toEqual([
      { email: "known@example.com", status: "active", name: null, series: "fixture-four", subscription: "active" },
      { email: "known@example.com", status: "active", name: null, series: DEFAULT_SERIES, subscription: "active" },
      {
        email: "unconfirmed@example.com",
        status: "active",
        name: null,
        series: "fixture-four",
        subscription: "active",
      },
      {
        email: "unconfirmed@example.com",
        status: "active",
        name: null,
        series: DEFAULT_SERIES,
        subscription: "active",
      },
    ]);
  });

  it("reads a spreadsheet's export: byte order mark, CRLF, header in any case, quoted cells, columns in any order", async () => {
    const job = await importCsv(
      '\uFEFF Consent_Source ,EMAIL, Name\r\n"form, page 2",ann@example.com,"O\'Brien, Ann"\r\n,bob@example.com,Bob\r\n\r\n',
    );
    expect(job).toMatchObject({ total: 2, active: 0, pending: 1, skipped: 1 });
    const report = await reportOf(job.id);
    // consent_source without consented_at: refused, not guessed.
    expect(report.map((row) => [row.email, row.outcome])).toEqual([
      ["ann@example.com", "invalid"],
      ["bob@example.com", "pending"],
    ]);
    expect(await countRows("consents", "pending_name = 'Bob'")).toBe(1);
  });

  it("adds nothing when the same file is imported again", async () => {
    const first = await importCsv(EVERY_OUTCOME);
    const tables = ["subscribers", "subscriptions", "consents"];
    const before = await Promise.all(tables.map((table) => countRows(table)));
    const again = await importCsv(EVERY_OUTCOME);
    expect(again.id).not.toBe(first.id);
    expect(again).toMatchObject({ processed: 14, active: 0, pending: 0, skipped: 14 });
    expect(await Promise.all(tables.map((table) => countRows(table)))).toEqual(before);
    const outcomes = (await reportOf(again.id)).map((row) => row.outcome);
    // The first import added rows 1–6 and 14 (nothing was seeded this time); the invalid rows stay invalid.
    expect(outcomes.filter((outcome) => outcome === "duplicate")).toHaveLength(7);
    expect(outcomes.filter((outcome) => outcome === "invalid")).toHaveLength(7);
  });

  it("answers the same job for the same Idempotency-Key and file, 409 for another file", async () => {
    const csv = "email\nkeyed@example.com\n";
    const first = await postCsv(csv, { "idempotency-key": "import-2026-11-30" });
    const second = await postCsv(csv, { "idempotency-key": "import-2026-11-30" });
    expect([first.status, second.status]).toEqual([202, 202]);
    const [a, b] = (await Promise.all([first.json(), second.json()])) as { job: { id: string } }[];
    expect(b!.job.id).toBe(a!.job.id);
    expect(second.headers.get("idempotent-replayed")).toBe("true");
    await waitForJob(a!.job.id);
    expect(await countRows("import_jobs")).toBe(1);
    expect(await countRows("subscribers")).toBe(1);

    // Another file under the same key: refused, nothing queued.
    const other = await postCsv("email\nsomeone-else@example.com\n", { "idempotency-key": "import-2026-11-30" });
    expect(other.status).toBe(422);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe("IDEMPOTENCY_KEY_REUSED");
    expect(await countRows("import_jobs")).toBe(1);
  });
});

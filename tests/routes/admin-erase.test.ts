import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readConfig } from "../../worker/config";
import type { Env } from "../../worker/env";
import worker from "../../worker/index";
import { parseImportCsv } from "../../worker/subscribers/import/parse-import-csv";
import { listImportRows } from "../../worker/subscribers/import/read-import";
import { startImport } from "../../worker/subscribers/import/start-import";
import { isSuppressed, suppressionHash } from "../../worker/subscribers/suppression";
import { signDeliveryTokens } from "../../worker/tokens";
import { importCsv, reportOf } from "../helpers/import-helpers";
import { actionPath, click, clicksSettle } from "../helpers/reader-helpers";
import {
  ADMIN_TOKEN,
  adminFetch,
  adminSend,
  BASE,
  DEFAULT_SERIES,
  postForm,
  settled,
  signUpAndConfirm,
  testKeyring,
  uniqueEmail,
} from "../helpers/route-helpers";
import { findSubscriber, outboxFor, rowsNaming, userTables } from "../helpers/rows";
import { resendEvent, sendEvent } from "../helpers/webhook-helpers";
import { expectApiError, expectDeclared } from "../helpers/admin-api-helpers";
import { testDeps } from "../helpers/test-deps";

/** Rows pointing at the subscriber or at their deliveries, in every column that names one. */
async function rowsPointingAt(subscriberId: number, deliveryIds: number[]): Promise<string[]> {
  const found: string[] = [];
  for (const { name, columns } of await userTables()) {
    const checks: [string, number][] = [
      ...columns
        .filter((c) => c === "subscriber_id" || c === "referrer_id")
        .map((c) => [c, subscriberId] as [string, number]),
      ...(name === "subscribers" ? [["id", subscriberId] as [string, number]] : []),
      ...columns
        .filter((c) => c === "delivery_id")
        .flatMap((c) => deliveryIds.map((id) => [c, id] as [string, number])),
      ...(name === "deliveries" ? deliveryIds.map((id) => ["id", id] as [string, number]) : []),
    ];
    for (const [column, value] of checks) {
      const row = await env.DB.prepare(`SELECT count(*) AS n FROM "${name}" WHERE "${column}" = ?1`)
        .bind(value)
        .first<{ n: number }>();
      if (row!.n > 0) found.push(`${name}.${column} = ${value}: ${row!.n}`);
    }
  }
  return found;
}

/** A reader with data in every table an erasure must reach: consent, delivery, click, response, webhooks, referral. */
async function readerWithHistory() {
  const reader = await signUpAndConfirm(uniqueEmail("erase"), { name: "Erin" });
  expect(await expectDeclared(await adminSend({ subscriber: reader.email }), "post", "/send")).toMatchObject({
    sent: 1,
  });
  const delivery = (await env.DB.prepare(
    "SELECT id, provider_message_id AS messageId FROM deliveries WHERE subscriber_id = ?1",
  )
    .bind(reader.subscriber.id)
    .first<{ id: number; messageId: string }>())!;
  const tokens = await signDeliveryTokens(testKeyring(), delivery.id);
  expect((await click(actionPath({ tokens, series: DEFAULT_SERIES, partId: "the-opportunity" }, 0))).status).toBe(302);
  await clicksSettle(delivery.id, 1);
  expect((await postForm(`/respond/${tokens.reader}`, { response: "I did the thing" })).status).toBe(200);
  expect((await sendEvent(resendEvent("email.delivered", delivery.messageId, reader.email))).res.status).toBe(200);
  // A webhook about their confirmation email: no delivery row, found by the provider id kept on the consent.
  const confirmationId = (await env.DB.prepare(
    "SELECT provider_message_id AS id FROM consents WHERE subscriber_id = ?1",
  )
    .bind(reader.subscriber.id)
    .first<{ id: string }>())!.id;
  expect((await sendEvent(resendEvent("email.delivered", confirmationId, reader.email.toUpperCase()))).res.status).toBe(
    200,
  );
  const referred = await signUpAndConfirm(uniqueEmail("referred"));
  await env.DB.prepare("UPDATE subscribers SET referrer_id = ?1 WHERE id = ?2")
    .bind(reader.subscriber.id, referred.subscriber.id)
    .run();
  await settled();
  return { reader, deliveryIds: [delivery.id], referred, providerIds: [delivery.messageId, confirmationId] };
}

describe("DELETE /admin/api/subscribers/:id (erasure)", () => {
  it("leaves no row holding the address or the subscriber id, only the suppression hash", async () => {
    const { reader, deliveryIds, referred, providerIds } = await readerWithHistory();
    const id = reader.subscriber.id;
    // The setup reached every table it should: otherwise the checks below would pass vacuously.
    expect(await rowsNaming(reader.email)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^subscribers: /),
        expect.stringMatching(/^deliveries: /),
        expect.stringMatching(/^outbox: /),
      ]),
    );
    // Provider events keep no address, only the provider's ids (docs/security.md).
    expect((await rowsNaming(reader.email)).filter((row) => row.startsWith("webhook_events"))).toEqual([]);
    expect((await rowsNaming(providerIds[1]!)).sort()).toEqual(["consents: 1", "outbox: 1", "webhook_events: 1"]);
    expect((await rowsPointingAt(id, deliveryIds)).length).toBeGreaterThanOrEqual(8);
    // What the export hands over is what the erasure deletes: the same rows, webhooks about their mail included.
    const exported = await expectDeclared<{ webhookEvents: unknown[]; clicks: unknown[]; responses: unknown[] }>(
      await adminFetch(`/admin/api/subscribers/${id}/export`),
      "get",
      "/subscribers/{id}/export",
    );
    expect([exported.webhookEvents.length, exported.clicks.length, exported.responses.length]).toEqual([2, 1, 1]);

    const erased = await expectDeclared<{ deleted: Record<string, number> }>(
      await adminFetch(`/admin/api/subscribers/${id}`, { method: "DELETE" }),
      "delete",
      "/subscribers/{id}",
    );
    expect(erased.deleted).toMatchObject({
      clicks: 1,
      responses: 1,
      webhookEvents: 2,
      deliveries: 1,
      outbox: 2,
      consents: 1,
      subscriptions: 1,
      referrals: 1,
      subscriber: 1,
    });
    expect(erased.deleted.events).toBeGreaterThanOrEqual(1);

    expect(await rowsNaming(reader.email)).toEqual([]);
    expect(await rowsPointingAt(id, deliveryIds)).toEqual([]);
    for (const providerId of providerIds) expect(await rowsNaming(providerId)).toEqual([]);
    const hash = await suppressionHash(readConfig(env).hashSecret, reader.email);
    expect(await env.DB.prepare("SELECT reason FROM suppressions WHERE email_hash = ?1").bind(hash).first()).toEqual({
      reason: "erased",
    });
    expect(await isSuppressed(testDeps(), reader.email.toUpperCase())).toBe(true);
    // The reader they referred keeps their subscription.
    expect(
      await env.DB.prepare("SELECT status, referrer_id FROM subscribers WHERE id = ?1")
        .bind(referred.subscriber.id)
        .first(),
    ).toEqual({ status: "active", referrer_id: null });
    expect(await outboxFor(referred.email)).toHaveLength(1);

    await expectApiError(await adminFetch(`/admin/api/subscribers/${id}`, { method: "DELETE" }), 404, "NOT_FOUND");
    await expectApiError(await adminFetch(`/admin/api/subscribers/${id}`), 404, "NOT_FOUND");
  }, 30_000); // it scans every table several times: slow on a loaded machine, and it is a count, not a timing

  it("erases an imported reader: import reports keep their rows but name them nowhere; the export handed those rows over", async () => {
    const email = uniqueEmail("erase-imported");
    // The first import makes them a reader; the second names them three more ways (a duplicate, the address
    // in capitals repeated on a later row, and a row refused for its name).
    const first = await importCsv(`email,name,consented_at,consent_source\n${email},Imre,2026-01-05,fair\n`);
    const second = await importCsv(
      [
        "email,name,series",
        `${email},Imre,`,
        `${email.toUpperCase()},Imre again,`,
        `${email},visit evil.example,fixture-four`,
      ].join("\n"),
    );
    expect((await reportOf(second.id)).map((row) => row.outcome)).toEqual(["duplicate", "duplicate", "invalid"]);
    const id = (await findSubscriber(email))!.id;
    expect(await rowsNaming(email)).toEqual(expect.arrayContaining(["import_rows: 4"]));

    const exported = await expectDeclared<{
      importRows: { jobId: string; row: number; outcome: string; importedAt: string }[];
    }>(await adminFetch(`/admin/api/subscribers/${id}/export`), "get", "/subscribers/{id}/export");
    expect(exported.importRows.map((row) => [row.jobId, row.row, row.outcome])).toEqual([
      [first.id, 1, "active"],
      [second.id, 1, "duplicate"],
      [second.id, 2, "duplicate"],
      [second.id, 3, "invalid"],
    ]);
    expect(exported.importRows[0]!.importedAt).toBe(first.createdAt);

    const erased = await expectDeclared<{ deleted: Record<string, number> }>(
      await adminFetch(`/admin/api/subscribers/${id}`, { method: "DELETE" }),
      "delete",
      "/subscribers/{id}",
    );
    expect(erased.deleted).toMatchObject({ importRows: 4, consents: 1, subscriptions: 1, subscriber: 1 });
    expect(await rowsNaming(email)).toEqual([]);
    // The reports still add up to their counts: the rows are there, naming no one.
    expect(await reportOf(second.id)).toEqual([
      { row: 1, email: "", outcome: "duplicate", message: "Erased at the person's request." },
      { row: 2, email: "", outcome: "duplicate", message: "Erased at the person's request." },
      { row: 3, email: "", outcome: "invalid", message: "Erased at the person's request." },
    ]);
    // The next import of that address is refused, and its report does not write the address back either.
    const again = await importCsv(`email,name,consented_at,consent_source\n${email},Imre,2026-01-05,fair\n`);
    expect((await reportOf(again.id)).map((row) => [row.email, row.outcome])).toEqual([["", "suppressed"]]);
    expect(await rowsNaming(email)).toEqual([]);
  });

  it("refuses (409) while a part is being sent to the reader, and changes nothing", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("erase-busy"));
    await env.DB.prepare("UPDATE subscriptions SET batch_id = 'in-flight-test' WHERE subscriber_id = ?1")
      .bind(reader.subscriber.id)
      .run();
    await expectApiError(
      await adminFetch(`/admin/api/subscribers/${reader.subscriber.id}`, { method: "DELETE" }),
      409,
      "CONFLICT",
      /being sent/,
    );
    // The consent keeps the mailbox its confirmation went to (the daily cap's key), the outbox the email itself.
    expect((await rowsNaming(reader.email)).sort()).toEqual(["consents: 1", "outbox: 1", "subscribers: 1"]);
    expect(await isSuppressed(testDeps(), reader.email)).toBe(false);
    await expectApiError(
      await adminFetch("/admin/api/subscribers/abc", { method: "DELETE" }),
      400,
      "BAD_REQUEST",
      /^id: /,
    );
  });

  it("erases a reader held by a batch the engine set aside (never sent again), and leaves the batch's record", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("erase-held"));
    const batchId = `held-${reader.subscriber.id}`;
    await env.DB.batch([
      env.DB.prepare(
        "INSERT INTO batches (id, status, attempts, lease_until, created_at, set_aside_at) VALUES (?1, 'failed_after_unknown', 2, 0, 0, 0)",
      ).bind(batchId),
      env.DB.prepare("UPDATE subscriptions SET batch_id = ?2 WHERE subscriber_id = ?1").bind(
        reader.subscriber.id,
        batchId,
      ),
    ]);
    expect((await adminFetch(`/admin/api/subscribers/${reader.subscriber.id}`, { method: "DELETE" })).status).toBe(200);
    expect(await rowsNaming(reader.email)).toEqual([]);
    expect(await env.DB.prepare("SELECT status FROM batches WHERE id = ?1").bind(batchId).first()).toEqual({
      status: "failed_after_unknown",
    });
  });

  it("is all or nothing: every delete and the suppression in one D1 batch (one transaction)", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("erase-atomic"));
    const batches: number[] = [];
    const original = env.DB.batch.bind(env.DB);
    // Tests share the isolate with the Worker: count the batches and statements the erasure sends.
    env.DB.batch = async (statements) => {
      batches.push(statements.length);
      return original(statements);
    };
    try {
      const res = await adminFetch(`/admin/api/subscribers/${reader.subscriber.id}`, { method: "DELETE" });
      expect(res.status).toBe(200);
    } finally {
      env.DB.batch = original;
    }
    expect(batches).toEqual([14]);
  });
});

describe("the suppression key never changes meaning", () => {
  const eraseUnder = async (vars: Partial<Env>, id: number) => {
    const ctx = createExecutionContext();
    const request = new Request(`${BASE}/admin/api/subscribers/${id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    const res = await worker.fetch(request, { ...env, ...vars } as Env, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };

  it("a deployment's old configuration (SIGNING_SECRET, no HASH_SECRET) erases nothing: no hash is ever keyed by a stand-in", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("erase-old-config"));
    // Once, this configuration keyed hashes with SIGNING_SECRET; setting HASH_SECRET later voided them all.
    const old = { SIGNING_KEYS: "", SIGNING_SECRET: "test-signing-secret-0123456789abcdef", HASH_SECRET: "" };
    const res = await eraseUnder(old as Partial<Env>, reader.subscriber.id);
    await expectApiError(res, 503, "NOT_CONFIGURED");
    expect(await rowsNaming(reader.email)).not.toEqual([]);
  });

  it("an erased address stays refused by imports after every key change the docs allow (rotated signing keys, SIGNING_SECRET dropped)", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("erase-then-rotate"));
    expect((await eraseUnder({}, reader.subscriber.id)).status).toBe(200);
    const later = readConfig({ ...env, SIGNING_KEYS: `t3:${"n".repeat(40)}` } as Env);
    expect(later.keyring.keys.map((key) => key.kid)).toEqual(["t3"]);

    const parsed = parseImportCsv(
      `email,consented_at,consent_source\n${reader.email.toUpperCase()},2026-01-05,fair\n`,
      DEFAULT_SERIES,
    );
    const started = await startImport(
      { db: env.DB, config: later, clock: Date.now, env: { IMPORT_QUEUE: undefined } },
      { rows: parsed.ok ? parsed.rows : [] },
    );
    expect(started).toMatchObject({ kind: "started", job: { status: "done", active: 0, skipped: 1 } });
    const report = await listImportRows(
      { db: env.DB },
      { jobId: started.kind === "started" ? started.job.id : "", limit: 10 },
    );
    expect(report!.data).toEqual([
      { row: 1, email: "", outcome: "suppressed", message: "This address was erased: it is never imported again." },
    ]);
    expect(await rowsNaming(reader.email)).toEqual([]);
  });
});

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { TEST_SENDS_PER_MINUTE } from "../../worker/previews/test-send";
import worker from "../../worker/index";
import { failingOn } from "../helpers/recording-d1";
import {
  ADMIN_TOKEN,
  adminFetch,
  adminSend,
  BASE,
  signUpAndConfirm,
  uniqueEmail,
  uniqueIp,
} from "../helpers/route-helpers";
import { countRows, outboxFor } from "../helpers/rows";
import { expectApiError, expectDeclared } from "../helpers/admin-api-helpers";

const post = (path: string, body: unknown, key?: string) =>
  adminFetch(`/admin/api${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(key === undefined ? {} : { "idempotency-key": key }) },
    body: JSON.stringify(body),
  });

const newKey = () => `test-${crypto.randomUUID()}`;
const keyRows = (key: string) => countRows("idempotency_keys", "key = ?1", key);

describe("Idempotency-Key on POST /admin/api/send", () => {
  it("the same key and body replays the answer: one cycle, one email", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("idem-send"));
    const key = newKey();
    const first = await post("/send", { subscriber: reader.email }, key);
    expect(first.headers.get("idempotent-replayed")).toBeNull();
    const summary = await expectDeclared<{ sent: number }>(first, "post", "/send");
    expect(summary.sent).toBe(1);

    for (let i = 0; i < 3; i++) {
      const again = await post("/send", { subscriber: reader.email }, key);
      expect(again.headers.get("idempotent-replayed")).toBe("true");
      expect(await expectDeclared(again, "post", "/send")).toEqual(summary);
    }
    expect((await outboxFor(reader.email)).map((m) => m.subject)).toEqual([
      "Confirm your subscription to Origins of Lead Change",
      "Origins of Lead Change, Part 1: The Opportunity",
    ]);
    expect(await keyRows(key)).toBe(1);
  });

  it("the same key with another body, or on another route, is a 422 and runs nothing", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("idem-reuse"));
    const key = newKey();
    expect((await post("/send", { dryRun: true, subscriber: reader.email }, key)).status).toBe(200);
    await expectApiError(
      await post("/send", { subscriber: reader.email }, key),
      422,
      "IDEMPOTENCY_KEY_REUSED",
      /another request/,
    );
    await expectApiError(
      await post("/test-send", { to: reader.email, series: "origins-of-lead-change", part: 1 }, key),
      422,
      "IDEMPOTENCY_KEY_REUSED",
    );
    expect(await outboxFor(reader.email)).toHaveLength(1); // the confirmation only
  });

  it("a key still in progress is a 409; one abandoned past its lease, or older than 24 h, runs again", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("idem-busy"));
    const key = newKey();
    const now = Date.now();
    await env.DB.prepare(
      "INSERT INTO idempotency_keys (key, request_hash, created_at, lease_until) VALUES (?1, 'x', ?2, ?3)",
    )
      .bind(key, now, now + 60_000)
      .run();
    await expectApiError(await post("/send", { subscriber: reader.email }, key), 409, "CONFLICT", /still running/);
    expect(await outboxFor(reader.email)).toHaveLength(1);

    await env.DB.prepare("UPDATE idempotency_keys SET lease_until = ?2 WHERE key = ?1")
      .bind(key, now - 1)
      .run();
    expect(await expectDeclared(await post("/send", { subscriber: reader.email }, key), "post", "/send")).toMatchObject(
      { sent: 1 },
    );
    expect(await outboxFor(reader.email)).toHaveLength(2);

    // A day later the key is forgotten: the same request runs again (and finds nothing more to send).
    await env.DB.prepare("UPDATE idempotency_keys SET created_at = ?2 WHERE key = ?1")
      .bind(key, now - 25 * 60 * 60 * 1000)
      .run();
    const later = await post("/send", { subscriber: reader.email }, key);
    expect(later.headers.get("idempotent-replayed")).toBeNull();
    expect(await expectDeclared(later, "post", "/send")).toMatchObject({ sent: 0 });
  });

  it("without a key every request runs; a malformed key is a 400", async () => {
    const reader = await signUpAndConfirm(uniqueEmail("idem-none"));
    expect((await adminSend({ subscriber: reader.email })).status).toBe(200);
    for (const key of ["", "x".repeat(256), "tab\there"]) {
      await expectApiError(
        await post("/send", { subscriber: reader.email }, key),
        400,
        "BAD_REQUEST",
        /^idempotency-key: must be 1–255 printable ASCII characters/,
      );
    }
    expect(await keyRows("x".repeat(256))).toBe(0);
    expect((await post("/send", {}, "x".repeat(255))).status).toBe(200);
  });
});

describe("Idempotency-Key on POST /admin/api/test-send", () => {
  it("a retried test send reaches the mailer once and counts once against the limit", async () => {
    await env.DB.prepare("DELETE FROM rate_counters").run();
    const to = uniqueEmail("idem-test-send");
    const key = newKey();
    const body = { to, series: "fixture-four", part: 2 };
    const first = await expectDeclared<{ providerMessageId: string }>(
      await post("/test-send", body, key),
      "post",
      "/test-send",
    );
    const again = await post("/test-send", body, key);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(await expectDeclared(again, "post", "/test-send")).toEqual(first);
    expect((await outboxFor(to)).map((m) => m.subject)).toEqual(["[Test] Fixture Four, part 2"]);
    expect(await env.DB.prepare("SELECT count FROM rate_counters WHERE name = 'test-send'").first()).toEqual({
      count: 1,
    });
  });

  it("a 400 the body alone decides is replayed too (the request is the same, so is the answer)", async () => {
    const key = newKey();
    const body = { to: "not an address", series: "fixture-four", part: 2 };
    const first = await expectApiError(await post("/test-send", body, key), 400, "BAD_REQUEST", /^to: /);
    const again = await post("/test-send", body, key);
    expect(again.status).toBe(400);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    // The stored answer whole, the first request's id included (the replay's own id is in its X-Request-Id).
    expect(await again.json()).toEqual(first);
  });
});

describe("Idempotency-Key keeps only answers a retry cannot change", () => {
  it("a 429 is not kept: once the team's test-send budget frees up, the same key sends", async () => {
    const now = Date.now();
    await env.DB.prepare("DELETE FROM rate_counters").run();
    await env.DB.prepare("INSERT INTO rate_counters (name, window_start, count) VALUES ('test-send', ?1, ?2)")
      .bind(now - (now % 60_000), TEST_SENDS_PER_MINUTE)
      .run();
    const to = uniqueEmail("idem-429");
    const key = newKey();
    const body = { to, series: "fixture-four", part: 1 };
    await expectApiError(await post("/test-send", body, key), 429, "RATE_LIMITED");
    expect(await keyRows(key)).toBe(0);

    await env.DB.prepare("DELETE FROM rate_counters").run();
    const retry = await post("/test-send", body, key);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(await expectDeclared(retry, "post", "/test-send")).toMatchObject({ sent: true });
    expect((await outboxFor(to)).map((m) => m.subject)).toEqual(["[Test] Fixture Four, part 1"]);
  });

  it("a 404 is not kept: once the reader exists, the same key sends to them", async () => {
    const email = uniqueEmail("idem-404");
    const key = newKey();
    await expectApiError(await post("/send", { subscriber: email }, key), 404, "NOT_FOUND");
    expect(await keyRows(key)).toBe(0);

    await signUpAndConfirm(email);
    expect(await expectDeclared(await post("/send", { subscriber: email }, key), "post", "/send")).toMatchObject({
      sent: 1,
    });
    expect(await keyRows(key)).toBe(1);
  });

  it("a crash (a thrown error, answered 500) keeps nothing and frees the key: the retry runs", async () => {
    await env.DB.prepare("DELETE FROM rate_counters").run();
    const to = uniqueEmail("idem-crash");
    const key = newKey();
    const body = JSON.stringify({ to, series: "fixture-four", part: 2 });
    const headers = {
      authorization: `Bearer ${ADMIN_TOKEN}`,
      "content-type": "application/json",
      "idempotency-key": key,
      "cf-connecting-ip": uniqueIp(),
    };
    const ctx = createExecutionContext();
    const crashed = await worker.fetch(
      new Request(`${BASE}/admin/api/test-send`, { method: "POST", headers, body }),
      { ...env, DB: failingOn(env.DB, (query) => query.includes("rate_counters")) },
      ctx,
    );
    await waitOnExecutionContext(ctx);
    await expectApiError(crashed, 500, "INTERNAL");
    expect(await keyRows(key)).toBe(0);
    expect(await outboxFor(to)).toHaveLength(0);

    const retry = await post("/test-send", JSON.parse(body), key);
    expect(retry.headers.get("idempotent-replayed")).toBeNull();
    expect(await expectDeclared(retry, "post", "/test-send")).toMatchObject({ sent: true });
    expect(await outboxFor(to)).toHaveLength(1);
  });
});

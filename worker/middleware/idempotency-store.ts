import type { AppDeps } from "../app-deps";
import { idempotencySql } from "./idempotency-queries";

/** How long an answer is kept for replay (as Resend and Stripe do). */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
/** A request still marked running after this long died with its isolate: the key may be used again. */
export const IDEMPOTENCY_LEASE_MS = 5 * 60 * 1000;

export type IdempotencyBegin =
  | { kind: "new" }
  | { kind: "replay"; status: number; body: string; contentType: string | null }
  | { kind: "mismatch" }
  | { kind: "in_progress" };

/** Takes the key for this request, or says what an earlier request with it became. One D1 batch. */
export async function beginIdempotent(
  deps: Pick<AppDeps, "db" | "clock">,
  input: { key: string; requestHash: string },
): Promise<IdempotencyBegin> {
  const { db: d1 } = deps;
  const { key, requestHash } = input;
  const now = deps.clock();
  const [, , claimed, read] = await d1.batch([
    d1.prepare(idempotencySql.sweep).bind(now, IDEMPOTENCY_TTL_MS),
    d1.prepare(idempotencySql.release).bind(key, now, IDEMPOTENCY_TTL_MS),
    d1.prepare(idempotencySql.claim).bind(key, now, requestHash, IDEMPOTENCY_LEASE_MS),
    d1.prepare(idempotencySql.read).bind(key),
  ]);
  if (claimed!.meta.changes > 0) return { kind: "new" };
  const row = (
    read!.results as { requestHash: string; status: number | null; body: string | null; contentType: string | null }[]
  )[0]!;
  // A run still going answers 409 whatever its body: the client retries once it is done.
  if (row.status === null) return { kind: "in_progress" };
  if (row.requestHash !== requestHash) return { kind: "mismatch" };
  return { kind: "replay", status: row.status, body: row.body ?? "", contentType: row.contentType };
}

/** Keeps the answer of the request that holds the key, for its replays. */
export async function finishIdempotent(
  deps: Pick<AppDeps, "db">,
  input: { key: string; answer: { status: number; body: string; contentType: string | null } },
) {
  const { key, answer } = input;
  await deps.db.prepare(idempotencySql.finish).bind(key, answer.status, answer.body, answer.contentType).run();
}

/** Frees the key: the request's answer is not one to replay (see isKept in idempotency.ts). */
export async function abandonIdempotent(deps: Pick<AppDeps, "db">, key: string) {
  await deps.db.prepare(idempotencySql.abandon).bind(key).run();
}

import type { AppDeps } from "../app-deps";
import { eraseCheckSql, eraseSql, suppressErasedSql } from "./subscriber-admin-queries";
import { suppressionHash } from "./suppression";

export type ErasedCounts = Record<keyof typeof eraseSql, number>;

export type EraseResult =
  | { kind: "erased"; counts: ErasedCounts }
  | { kind: "not_found" }
  /**
   * A batch holding their delivery is being sent: erasing now would change a batch the provider may retry. A
   * batch the engine set aside (failed_after_unknown, dead) is never sent again: it does not stop an erasure.
   */
  | { kind: "in_flight" };

/**
 * GDPR erasure: every row holding the reader's data goes (import report rows stay, without their address), in
 * one D1 batch (one transaction: all or nothing), and only a keyed hash of the address stays in suppressions so
 * an import never re-adds them.
 */
export async function eraseSubscriber(
  deps: Pick<AppDeps, "db" | "config" | "clock">,
  id: number,
): Promise<EraseResult> {
  const { db: d1 } = deps;
  const now = deps.clock();
  const found = await d1.prepare(eraseCheckSql).bind(id).first<{ email: string; inFlight: number }>();
  if (!found) return { kind: "not_found" };
  if (found.inFlight > 0) return { kind: "in_flight" };
  const hash = await suppressionHash(deps.config.hashSecret, found.email);
  const names = Object.keys(eraseSql) as (keyof typeof eraseSql)[];
  const bind = (text: string) => d1.prepare(text).bind(...(text.includes("?2") ? [id, found.email] : [id]));
  // A claim landing between the check above and this batch only loses this member: its batch sends without them.
  const results = await d1.batch([
    ...names.map((name) => bind(eraseSql[name])),
    d1.prepare(suppressErasedSql).bind(hash, now),
  ]);
  const counts = Object.fromEntries(names.map((name, i) => [name, results[i]!.meta.changes])) as ErasedCounts;
  return { kind: "erased", counts };
}

/**
 * What the exactly-once fault runs (inline: tests/delivery/exactly-once, fan-out: queue-faults) share: readers
 * leaving mid-run, and the tally over every reader of what the provider accepted.
 */
import { env } from "cloudflare:workers";
import { unsubscribe } from "../../worker/subscribers/unsubscribe";
import { countRows } from "./rows";
import { testDepsAt } from "./test-deps";

/** The mock's counters (scripts/mock-resend-server.ts) that a fault run must see go up. */
export interface FaultStats {
  batchRequests: number;
  replays: number;
  conflicts: number;
  faults500: number;
  faults429: number;
  hangs: number;
}

export interface AcceptedMail {
  to: string;
  subject: string;
  seq: number;
}

/** Fixture subjects end with the part's number ("Fixture Four, part 3"). */
export const partOf = (subject: string) => Number(/part (\d+)$/.exec(subject)![1]);

/**
 * These readers unsubscribe at `now`. What was already committed to the provider stays theirs: parts sent, or
 * claimed in a batch already attempted (frozen). Returns email → those parts.
 */
export async function unsubscribeReaders(
  readers: { id: number; email: string }[],
  now: number,
): Promise<Map<string, Set<number>>> {
  const leavers = new Map<string, Set<number>>();
  for (const reader of readers) {
    await unsubscribe(testDepsAt(now), { subscriberId: reader.id, source: "one-click" });
    const { results } = await env.DB.prepare(
      `SELECT d.part_number AS part FROM deliveries d JOIN batches b ON b.id = d.batch_id
       WHERE d.subscriber_id = ?1 AND (d.status = 'sent' OR (d.status = 'claimed' AND b.attempts > 0))`,
    )
      .bind(reader.id)
      .all<{ part: number }>();
    leavers.set(reader.email, new Set(results.map((row) => row.part)));
  }
  return leavers;
}

/** Over every reader, in the provider's order of acceptance: what would break the promise (all 0 when kept). */
export function tallyDeliveries(accepted: AcceptedMail[], leavers: Map<string, Set<number>>, parts: number) {
  const byReader = new Map<string, number[]>();
  for (const mail of [...accepted].sort((a, b) => a.seq - b.seq)) {
    byReader.set(mail.to, [...(byReader.get(mail.to) ?? []), partOf(mail.subject)]);
  }
  const tally = { readers: byReader.size, duplicates: 0, gaps: 0, outOfOrder: 0, afterUnsubscribe: 0 };
  for (const [email, received] of byReader) {
    tally.duplicates += received.length - new Set(received).size;
    const committed = leavers.get(email);
    if (committed) {
      tally.afterUnsubscribe += received.filter((part) => !committed.has(part)).length;
      continue;
    }
    tally.gaps += parts - new Set(received).size;
    if (received.some((part, i) => part !== i + 1)) tally.outOfOrder += 1;
  }
  return tally;
}

/** Batches still claimed (leased, not yet recorded): none once a run has settled. */
export async function batchesInFlight(): Promise<number> {
  return countRows("batches", "status = 'claimed'");
}

import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { MAX_CLICKS_PER_LINK } from "../../worker/actions/click-marks";
import type { Env } from "../../worker/env";
import { clickOf, collectingClickQueue, consumeClicks } from "../helpers/click-helpers";
import { recordingD1 } from "../helpers/recording-d1";
import { actionPath, deliveredReader, type DeliveredReader } from "../helpers/reader-helpers";
import { uniqueIp, url } from "../helpers/route-helpers";
import { clicksOf, partStat } from "../helpers/rows";

/**
 * Issue #14: an action link hammered by a stranger (a scanner user agent, one client or many) costs bounded
 * work: nothing in D1 on the request path, a per-client rate limit before the queue, and a cap per email and
 * link in the consumer, past which a batch costs one read and writes nothing. Counted, never timed.
 */
const SCANNER_UA = "python-requests/2.32.3";

/** `count` requests for the reader's links (0 and 1 in turn) through the real Worker, with these bindings. */
async function hammer(reader: DeliveredReader, count: number, options: { ip?: string; bindings?: Partial<Env> } = {}) {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const ctx = createExecutionContext();
    const request = new Request(url(actionPath(reader, i % 2)), {
      headers: { "user-agent": SCANNER_UA, "cf-connecting-ip": options.ip ?? uniqueIp() },
    });
    statuses.push((await worker.fetch(request, { ...env, ...options.bindings }, ctx)).status);
    await waitOnExecutionContext(ctx);
  }
  return statuses;
}

describe("an action link hammered by a stranger", () => {
  it("past the client's rate limit, every request is still redirected; its click is not queued, nothing touches D1", async () => {
    const reader = await deliveredReader({ series: "fixture-four", part: 3 });
    const { queue, sent } = collectingClickQueue();
    const counting = recordingD1(env.DB);
    const ip = uniqueIp();
    // CLICK_LIMITER allows 30 per client in 10 s (wall-clock windows: this run spans at most two of them).
    const statuses = await hammer(reader, 90, { ip, bindings: { CLICK_QUEUE: queue, DB: counting.db } });
    expect(statuses.every((status) => status === 302)).toBe(true);
    expect(sent.length).toBeGreaterThanOrEqual(30);
    expect(sent.length).toBeLessThanOrEqual(60);
    expect(counting.counts.calls).toBe(0);
    // Another client is not held back by the first.
    await hammer(reader, 1, { bindings: { CLICK_QUEUE: queue } });
    expect(sent.at(-1)!.deliveryId).toBe(reader.deliveryId);
  });

  it("a limiter that says no: the redirect, and no click (the branch without the wall clock)", async () => {
    const reader = await deliveredReader({ series: "fixture-four", part: 3 });
    const { queue, sent } = collectingClickQueue();
    const counting = recordingD1(env.DB);
    const refusing = { limit: async () => ({ success: false }) } as RateLimit;
    const statuses = await hammer(reader, 5, {
      bindings: { CLICK_QUEUE: queue, CLICK_LIMITER: refusing, DB: counting.db },
    });
    expect(statuses).toEqual([302, 302, 302, 302, 302]);
    expect(sent).toEqual([]);
    expect(counting.counts.calls).toBe(0);
  });

  it("from many clients: the email keeps its first clicks per link, and past them a batch reads one row and writes none", async () => {
    const reader = await deliveredReader({ series: "fixture-four", part: 3 });
    const before = await partStat("fixture-four", 3);
    const { queue, sent } = collectingClickQueue();
    expect((await hammer(reader, 300, { bindings: { CLICK_QUEUE: queue } })).every((status) => status === 302)).toBe(
      true,
    );
    expect(sent).toHaveLength(300);

    const perBatch: { calls: number; rowsWritten: number; rowsRead: number }[] = [];
    for (let i = 0; i < sent.length; i += 100) {
      const counting = recordingD1(env.DB);
      await consumeClicks(sent.slice(i, i + 100), { bindings: { DB: counting.db } });
      perBatch.push({
        calls: counting.counts.calls,
        rowsWritten: counting.writes.rowsWritten,
        rowsRead: counting.writes.rowsRead,
      });
    }
    // Two links, each keeps its first MAX_CLICKS_PER_LINK clicks: the first batch writes them, the rest nothing.
    expect(await clicksOf(reader.deliveryId)).toHaveLength(2 * MAX_CLICKS_PER_LINK);
    expect(perBatch[0]!.calls).toBe(2);
    console.log("hammered email, per batch of 100:", JSON.stringify(perBatch));
    // However many clicks came before: the delivery's row and the batch's ids, read once.
    expect(perBatch[1]).toMatchObject({ calls: 1, rowsWritten: 0 });
    expect(perBatch[1]!.rowsRead).toBeLessThanOrEqual(3);
    expect(perBatch[2]).toEqual(perBatch[1]);
    const after = await partStat("fixture-four", 3);
    expect({
      human: after.humanClicks - before.humanClicks,
      scanner: after.scannerClicks - before.scannerClicks,
    }).toEqual({ human: 0, scanner: 1 });
  });

  it("a person behind a hammered link is still counted: the cap is per link, and the scanner agent never counts as one", async () => {
    const reader = await deliveredReader({ series: "fixture-four", part: 2 });
    const before = await partStat("fixture-four", 2);
    const { queue, sent } = collectingClickQueue();
    await hammer(reader, 40, { bindings: { CLICK_QUEUE: queue } }); // links 0 and 1
    // The reader, a few minutes later (not part of the scanner's burst), on another link.
    await consumeClicks([...sent, clickOf(reader, 3, Date.now() + 300_000)]);
    const after = await partStat("fixture-four", 2);
    expect({
      human: after.humanClicks - before.humanClicks,
      scanner: after.scannerClicks - before.scannerClicks,
    }).toEqual({ human: 1, scanner: 1 });
  });
});

import type { ClickMessage } from "../env";
import { base64url } from "../lib/crypto";
import { recordClicks } from "./record-clicks";

/** 48 random bits: tells one click from another of the same email, so a redelivered one is recognised. */
export const newClickId = () => base64url(crypto.getRandomValues(new Uint8Array(6)));

export type ClickTaken = "queued" | "recorded" | "limited";

/**
 * Where a click goes once its redirect is answered: onto the click queue (its consumer writes in batches), or,
 * without the queue binding or when it fails, into D1 at once (the same verb, a batch of one). Past the client's
 * rate limit the click is not recorded at all: that is the whole cost of hammering a link.
 */
export async function takeClick(
  deps: { db: D1Database; queue?: Queue<ClickMessage>; limiter?: RateLimit },
  click: ClickMessage,
  client: string,
): Promise<ClickTaken> {
  if (deps.limiter && !(await deps.limiter.limit({ key: `click:${client}` })).success) return "limited";
  if (deps.queue) {
    try {
      await deps.queue.send(click);
      return "queued";
    } catch (error) {
      console.error("click queue failed, recording inline", error);
    }
  }
  await recordClicks(deps.db, [click]);
  return "recorded";
}

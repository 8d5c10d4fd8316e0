import type { AppDeps } from "../app-deps";
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
  deps: Pick<AppDeps, "db" | "env">,
  input: { click: ClickMessage; client: string },
): Promise<ClickTaken> {
  const { click, client } = input;
  const { CLICK_QUEUE: queue, CLICK_LIMITER: limiter } = deps.env;
  if (limiter && !(await limiter.limit({ key: `click:${client}` })).success) return "limited";
  if (queue) {
    try {
      await queue.send(click);
      return "queued";
    } catch (error) {
      console.error("click queue failed, recording inline", error);
    }
  }
  await recordClicks(deps, [click]);
  return "recorded";
}

import { z } from "zod";
import type { AppDeps } from "../app-deps";
import type { ClickMessage } from "../env";
import { recordClicks, type ClicksRecorded } from "./record-clicks";

export const CLICK_QUEUE = "nextpart-clicks";
export const CLICK_DEAD_LETTER_QUEUE = "nextpart-clicks-dlq";

const slug = z
  .string()
  .regex(/^[a-z0-9]+(-[a-z0-9]+)*$/)
  .max(200);
/** Only our route writes these, but a message that is not one (an old format, a hand-sent test) must not stall the rest. */
const clickMessage = z
  .object({
    id: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/),
    deliveryId: z
      .number()
      .int()
      .positive()
      .max(2 ** 48),
    series: slug,
    partId: slug,
    link: z.number().int().min(0).max(9999),
    at: z.number().int().positive(),
    reason: z.enum(["head", "user-agent"]).nullable(),
  })
  .strict() satisfies z.ZodType<ClickMessage>;

/**
 * The click queue's consumer: the whole batch is recorded in a read and one transaction, then acked. A message
 * that is not a click is acked and logged; a failed write puts the batch back (recording is idempotent). The
 * dead-letter queue records its messages one by one and logs any it still cannot, so none is dropped silently.
 * One log line per batch with its counts: operators and `bench:scale` read it.
 */
export async function consumeClickMessages(deps: Pick<AppDeps, "db">, batch: MessageBatch<unknown>): Promise<void> {
  const clicks: Message<ClickMessage>[] = [];
  let invalid = 0;
  for (const message of batch.messages) {
    if (clickMessage.safeParse(message.body).success) {
      clicks.push(message as Message<ClickMessage>);
    } else {
      invalid++;
      console.error("click message dropped: not a click", message.id, JSON.stringify(message.body)?.slice(0, 200));
      message.ack();
    }
  }
  const results =
    batch.queue === CLICK_DEAD_LETTER_QUEUE ? await recordOneByOne(deps, clicks) : [await recordTogether(deps, clicks)];
  console.log(
    "clicks batch",
    JSON.stringify({ queue: batch.queue, messages: batch.messages.length, invalid, ...sum(results) }),
  );
}

async function recordTogether(
  deps: Pick<AppDeps, "db">,
  messages: Message<ClickMessage>[],
): Promise<Omit<ClicksRecorded, "retry">> {
  try {
    const { retry, ...counts } = await recordClicks(
      deps,
      messages.map((message) => message.body),
    );
    const again = new Set(retry);
    for (const message of messages) {
      if (again.has(message.body.id)) message.retry({ delaySeconds: 5 });
      else message.ack();
    }
    return counts;
  } catch (error) {
    console.error("clicks batch failed, retrying", error);
    for (const message of messages) message.retry({ delaySeconds: 30 });
    return { ...sum([]), clicks: messages.length };
  }
}

/** What the queue gave up on: each alone, so one that still fails cannot hold back the others. */
async function recordOneByOne(deps: Pick<AppDeps, "db">, messages: Message<ClickMessage>[]) {
  const results: Omit<ClicksRecorded, "retry">[] = [];
  for (const message of messages) {
    try {
      const { retry, ...counts } = await recordClicks(deps, [message.body]);
      if (retry.length > 0) console.error("click lost: its delivery kept changing", JSON.stringify(message.body));
      results.push(counts);
    } catch (error) {
      console.error("click lost", JSON.stringify(message.body), error);
    }
    message.ack();
  }
  return results;
}

function sum(results: Omit<ClicksRecorded, "retry">[]) {
  const total = {
    clicks: 0,
    recorded: 0,
    duplicates: 0,
    capped: 0,
    dropped: 0,
    flagged: 0,
    conflicts: 0,
    d1RoundTrips: 0,
  };
  for (const result of results)
    for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += result[key];
  return total;
}

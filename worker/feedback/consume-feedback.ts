import type { AppDeps } from "../app-deps";
import type { FeedbackMessage } from "../env";
import { countD1Calls } from "../lib/d1-calls";
import { recordDeadLetters, type DeadLetterRow } from "./dead-letters";
import { feedbackMessageSchema } from "./feedback-message";
import { recordProviderEvents, type FeedbackSummary } from "./record-provider-events";

export const FEEDBACK_QUEUE = "nextpart-feedback";
export const FEEDBACK_DEAD_LETTER_QUEUE = "nextpart-feedback-dlq";

/** Backoff for an event that failed to record: 30 s, doubling, at most 15 minutes. */
const retryDelay = (attempts: number) => Math.min(30 * 2 ** Math.max(0, attempts - 1), 900);

/** Tries per invocation (each ≤ 2 round trips): halving 100 events down to one poison takes 15; free plans allow 50 queries. */
const TRIES_PER_BATCH = 16;

type Item = { message: Message<unknown>; body: FeedbackMessage };

/** Only D1, the time and the catalog: the consumer runs even when the configuration is broken (worker/index.ts). */
export type FeedbackDeps = Pick<AppDeps, "db" | "clock" | "catalog">;

/**
 * The feedback queue's consumer: a whole batch of events in one go (two D1 round trips). When that fails, the
 * batch is halved until the poison events are alone, so they never hold back the good ones: those are acked, the
 * poison retried (after max_retries it lands in the dead-letter queue). One log line per batch with its counts.
 */
export async function consumeFeedback(deps: FeedbackDeps, batch: MessageBatch<unknown>): Promise<void> {
  if (batch.queue === FEEDBACK_DEAD_LETTER_QUEUE) return consumeDeadFeedback(deps, batch);
  const { db, calls } = countD1Calls(deps.db);
  const readable: Item[] = [];
  for (const message of batch.messages) {
    const parsed = feedbackMessageSchema.safeParse(message.body);
    if (parsed.success) readable.push({ message, body: parsed.data });
    // It can never be recorded: on to the dead-letter queue, where it is kept.
    else message.retry();
  }
  const summaries: FeedbackSummary[] = [];
  let tries = 0;
  let retried = 0;
  const record = async (items: Item[]): Promise<void> => {
    if (tries++ >= TRIES_PER_BATCH) {
      retried += items.length;
      for (const { message } of items) message.retry({ delaySeconds: retryDelay(message.attempts) });
      return;
    }
    try {
      summaries.push(
        await recordProviderEvents(
          { ...deps, db },
          items.map(({ body }) => body),
        ),
      );
      for (const { message } of items) message.ack();
    } catch (error) {
      console.error(
        "feedback events failed",
        items.length === 1 ? items[0]!.body.svixId : `${items.length} events, halving`,
        error,
      );
      if (items.length === 1) {
        retried++;
        items[0]!.message.retry({ delaySeconds: retryDelay(items[0]!.message.attempts) });
        return;
      }
      const half = Math.ceil(items.length / 2);
      await record(items.slice(0, half));
      await record(items.slice(half));
    }
  };
  if (readable.length > 0) await record(readable);
  const sum = (key: "duplicates" | "matched" | "marked" | "suppressed") =>
    summaries.reduce((total, summary) => total + summary[key], 0);
  // The operator's line (and the scale bench's, read from `wrangler dev`): what one batch did and cost.
  console.log(
    "feedback batch",
    JSON.stringify({
      events: batch.messages.length,
      duplicates: sum("duplicates"),
      matched: sum("matched"),
      marked: sum("marked"),
      suppressed: sum("suppressed"),
      retried,
      unreadable: batch.messages.length - readable.length,
      paused: summaries.flatMap((summary) =>
        summary.guards.filter((guard) => guard.paused).map((guard) => guard.series),
      ),
      d1RoundTrips: calls(),
    }),
  );
}

/** Events the queue gave up on: kept in feedback_dead_letters (GET /admin/api/feedback/dead), never dropped. */
async function consumeDeadFeedback(deps: FeedbackDeps, batch: MessageBatch<unknown>): Promise<void> {
  const rows = batch.messages.map((message): DeadLetterRow => {
    const parsed = feedbackMessageSchema.safeParse(message.body);
    const body = parsed.success ? parsed.data : null;
    return [message.id, body?.svixId ?? null, body?.type ?? null, body?.emailId ?? null, body?.receivedAt ?? null];
  });
  try {
    await recordDeadLetters(deps, rows);
    console.error("feedback events dead-lettered", JSON.stringify(rows.map(([, svixId, type]) => ({ svixId, type }))));
    batch.ackAll();
  } catch (error) {
    console.error("recording dead-lettered feedback events failed", error);
    batch.retryAll({ delaySeconds: 30 });
  }
}

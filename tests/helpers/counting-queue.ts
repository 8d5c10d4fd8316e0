/** The real queue, counting sendBatch calls and checking each against the platform's limits (100 messages, 256 KB). */
export function countingQueue<T>(queue: Queue<T>) {
  const sends: { messages: number; bytes: number }[] = [];
  const wrapped = {
    send: (body: T, options?: QueueSendOptions) => queue.send(body, options),
    sendBatch: (messages: Iterable<MessageSendRequest<T>>, options?: QueueSendBatchOptions) => {
      const list = [...messages];
      sends.push({
        messages: list.length,
        bytes: list.reduce(
          (sum, message) => sum + new TextEncoder().encode(JSON.stringify(message.body)).byteLength,
          0,
        ),
      });
      return queue.sendBatch(list, options);
    },
  } as Queue<T>;
  return { queue: wrapped, sends };
}

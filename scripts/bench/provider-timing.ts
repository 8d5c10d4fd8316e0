import diagnostics_channel from "node:diagnostics_channel";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Times the provider calls as the mock Resend sees them (first header byte → response finished), through
 * Node's built-in http diagnostics channels: no change to the mock, nothing in the request path.
 */
interface Message {
  request: IncomingMessage;
  response: ServerResponse;
  server: Server;
}

export interface ProviderTiming {
  requests: number;
  /** Milliseconds during which at least one provider call was open. */
  busyMs: number;
  /** Sum of call durations (> busyMs when calls overlap). */
  sumMs: number;
  meanMs: number;
  p50Ms: number;
  maxMs: number;
  maxInFlight: number;
  meanRequestKiB: number;
  /** From the window start to the first call, and from the last answer to the window end. */
  beforeFirstMs: number;
  afterLastMs: number;
}

export function trackProviderCalls(port: number) {
  const open = new WeakMap<ServerResponse, number>();
  let calls: { start: number; end: number; bytes: number }[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const ours = (message: Message) =>
    (message.server?.address() as AddressInfo | null)?.port === port && message.request.url?.startsWith("/emails");

  const onStart = (raw: unknown) => {
    const message = raw as Message;
    if (!ours(message)) return;
    open.set(message.response, performance.now());
    inFlight += 1;
    maxInFlight = Math.max(maxInFlight, inFlight);
    const bytes = Number(message.request.headers["content-length"] ?? 0);
    (message.response as ServerResponse & { benchBytes?: number }).benchBytes = bytes;
  };
  const onFinish = (raw: unknown) => {
    const message = raw as Message;
    const start = open.get(message.response);
    if (start === undefined) return;
    open.delete(message.response);
    inFlight -= 1;
    calls.push({ start, end: performance.now(), bytes: (message.response as ServerResponse & { benchBytes?: number }).benchBytes ?? 0 });
  };
  diagnostics_channel.subscribe("http.server.request.start", onStart);
  diagnostics_channel.subscribe("http.server.response.finish", onFinish);

  return {
    reset() {
      calls = [];
      maxInFlight = inFlight;
    },
    /** Statistics of the calls made in [windowStart, windowEnd] (performance.now() values). */
    summary(windowStart: number, windowEnd: number): ProviderTiming {
      const sorted = [...calls].sort((a, b) => a.start - b.start);
      let busy = 0;
      let curStart = -Infinity;
      let curEnd = -Infinity;
      for (const call of sorted) {
        if (call.start > curEnd) {
          if (curEnd > curStart) busy += curEnd - curStart;
          curStart = call.start;
          curEnd = call.end;
        } else curEnd = Math.max(curEnd, call.end);
      }
      if (curEnd > curStart) busy += curEnd - curStart;
      const durations = sorted.map((c) => c.end - c.start).sort((a, b) => a - b);
      const sum = durations.reduce((a, b) => a + b, 0);
      return {
        requests: sorted.length,
        busyMs: busy,
        sumMs: sum,
        meanMs: sorted.length ? sum / sorted.length : 0,
        p50Ms: durations[Math.floor(durations.length / 2)] ?? 0,
        maxMs: durations.at(-1) ?? 0,
        maxInFlight,
        meanRequestKiB: sorted.length ? sorted.reduce((a, c) => a + c.bytes, 0) / sorted.length / 1024 : 0,
        beforeFirstMs: sorted.length ? sorted[0]!.start - windowStart : windowEnd - windowStart,
        afterLastMs: sorted.length ? windowEnd - Math.max(...sorted.map((c) => c.end)) : 0,
      };
    },
    dispose() {
      diagnostics_channel.unsubscribe("http.server.request.start", onStart);
      diagnostics_channel.unsubscribe("http.server.response.finish", onFinish);
    },
  };
}

/** What `npm run bench` and `npm run bench:scale` share: checks that end the run, numbers, the admin API call. */

/** A failed check: the bench prints its message (no stack) and exits 1. */
export class CheckFailed extends Error {}
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CheckFailed(`CHECK FAILED: ${message}`);
}

export const fmt = (n: number, digits = 0) =>
  n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });

/**
 * The admin API of a bench's Worker: `admin(method, route, body?)` answers the parsed JSON, or fails a check
 * naming the status. Five minutes: one delivery cycle over a big list takes a while.
 */
export function benchAdmin(workerUrl: string, token: string) {
  return async (method: "GET" | "POST", route: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(`${workerUrl}/admin/api${route}`, {
      method,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(5 * 60_000),
    });
    const text = await res.text();
    check(res.ok, `${method} /admin/api${route} answered ${res.status}: ${text.slice(0, 300)}`);
    return JSON.parse(text) as unknown;
  };
}

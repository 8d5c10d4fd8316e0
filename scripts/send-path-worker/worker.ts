import { sendPath } from "../send-path";

/**
 * `npm run bench -- --scenarios workerd`: the send path in workerd itself. `GET /?run=send&n=N` runs N emails
 * (batches of 100), `?run=reference&n=N` N JSON.stringify of one email; the bench reads the CPU they took.
 */
const path = sendPath("bench-signing-key-0123456789abcdef", "bench-hash-secret-0123456789abcdef");
let nextId = 1;
let sample: ReturnType<typeof path.batch>["emails"][number] | undefined;

export default {
  fetch(request) {
    const url = new URL(request.url);
    const n = Number(url.searchParams.get("n"));
    if (!Number.isSafeInteger(n) || n < 0) return new Response("n must be a count\n", { status: 400 });
    const run = url.searchParams.get("run");
    if (run === "send") for (let done = 0; done < n; done += 100, nextId += 100) path.batch(nextId);
    else if (run === "reference") {
      sample ??= path.batch(1_000_000).emails[0]!;
      path.reference(sample, n);
    } else return new Response("not found\n", { status: 404 });
    return new Response("ok\n");
  },
} satisfies ExportedHandler;

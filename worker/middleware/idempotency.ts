import { z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { HTTPException } from "hono/http-exception";
import type { AppEnv } from "../app-env";
import { AppError } from "../errors";
import { abandonIdempotent, beginIdempotent, finishIdempotent } from "./idempotency-store";

/** ≤ 255 printable ASCII characters (a UUID, a job name…): the one rule of every route that takes a key. */
const KEY = /^[\x20-\x7e]{1,255}$/;
const KEY_RULE = "must be 1–255 printable ASCII characters";

/** The header as the routes declare it (the middleware below checks the same rule before it runs). */
export const idempotencyHeaderSchema = z.object({
  "idempotency-key": z
    .string()
    .regex(KEY, KEY_RULE)
    .optional()
    .openapi({
      description:
        "1–255 printable ASCII characters. The same key and body replay the answer (24 h); another body is a 422. " +
        "A 404, 429 or 5xx is not kept: the same key runs again.",
    }),
});

async function requestHash(method: string, path: string, body: ArrayBuffer): Promise<string> {
  const head = new TextEncoder().encode(`${method} ${path}\n`);
  const bytes = new Uint8Array(head.length + body.byteLength);
  bytes.set(head);
  bytes.set(new Uint8Array(body), head.length);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Kept for replay: answers the request alone decides — 2xx (the work is done) and 400/415/422 (its body is
 * wrong) — never those a retry may change (404, 409, 429, 5xx) nor a crash: for those the key is freed.
 */
const KEPT_ERRORS = new Set([400, 415, 422]);
const isKept = (status: number, error: unknown) =>
  (error === undefined || error instanceof HTTPException) &&
  ((status >= 200 && status < 300) || KEPT_ERRORS.has(status));

/**
 * `Idempotency-Key` for POSTs that send mail: the first request with a key runs and its answer is kept 24 h
 * (see isKept); the same key and body replays it (`Idempotent-Replayed: true`), another body is a 422, a run
 * still going a 409. Without the header the request simply runs. Mount it after the route's body limit.
 */
export function idempotency() {
  return createMiddleware<AppEnv>(async (c, next) => {
    const key = c.req.header("idempotency-key");
    if (key === undefined) return next();
    if (!KEY.test(key)) throw new AppError("BAD_REQUEST", `idempotency-key: ${KEY_RULE}.`);
    const hash = await requestHash(c.req.method, c.req.path, await c.req.arrayBuffer());
    const { deps } = c.var;
    const begun = await beginIdempotent(deps, { key, requestHash: hash });
    switch (begun.kind) {
      case "mismatch":
        throw new AppError(
          "IDEMPOTENCY_KEY_REUSED",
          "Idempotency-Key: already used with another request; use a new key.",
        );
      case "in_progress":
        throw new AppError("CONFLICT", "Idempotency-Key: a request with this key is still running; retry later.");
      case "replay":
        return new Response(begun.body, {
          status: begun.status,
          headers: { "content-type": begun.contentType ?? "application/json", "idempotent-replayed": "true" },
        });
    }
    try {
      await next();
    } catch (error) {
      // Hono answers a handler's Error itself (onError) and leaves it in c.error: only other throws land here.
      await abandonIdempotent(deps, key);
      throw error;
    }
    if (!isKept(c.res.status, c.error)) return abandonIdempotent(deps, key);
    await finishIdempotent(deps, {
      key,
      answer: {
        status: c.res.status,
        body: await c.res.clone().text(),
        contentType: c.res.headers.get("content-type"),
      },
    });
  });
}

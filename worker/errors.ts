import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Every error the API answers with; the code says what happened, the status follows from it. */
export const errorStatus = {
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  /** The resource is busy or in a state that forbids the change (e.g. an Idempotency-Key still in progress). */
  CONFLICT: 409,
  /** An Idempotency-Key already used with another request body. */
  IDEMPOTENCY_KEY_REUSED: 422,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  INVALID_TOKEN: 400,
  RATE_LIMITED: 429,
  INTERNAL: 500,
  /** The mail provider failed or did not answer (a test send): nothing the request can fix. */
  PROVIDER_ERROR: 502,
  /** A feature whose secret is not set (e.g. RESEND_WEBHOOK_SECRET): the operator's to fix, not a crash. */
  NOT_CONFIGURED: 503,
} as const satisfies Record<string, ContentfulStatusCode>;

export type ErrorCode = keyof typeof errorStatus;

/** The one error type: routes, verbs and our middleware throw it; worker/routes/error-response.tsx answers it. */
export class AppError extends HTTPException {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** The validator's issues, for code that catches the error; never sent to the client. */
    readonly details?: unknown,
    /** Sent with the answer (e.g. Retry-After on a 429). */
    readonly headers?: Record<string, string>,
  ) {
    super(errorStatus[code], { message });
  }
}

/** The rate limiters count per minute (wrangler.toml): a 429 says when to come back. */
export const RETRY_IN_A_MINUTE = { "Retry-After": "60" };

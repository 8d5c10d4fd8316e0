import type { Context, MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { createMiddleware } from "hono/factory";
import { AppError } from "../errors";

/** Requests whose route stated its limit: a sub-app's default (defaultBodyLimit) then leaves them to it. */
const stated = new WeakSet<Context>();

/**
 * The body limit a route states, before anything reads the body, answering our one error shape (413). Every
 * route that reads a body states one: nothing at the door limits it (rejectMalformedBodies knows no path).
 */
export const limitBody = (maxSize: number, message = "That request is too large."): MiddlewareHandler => {
  const limit = bodyLimit({
    maxSize,
    onError: () => {
      throw new AppError("PAYLOAD_TOO_LARGE", message);
    },
  });
  return (c, next) => {
    stated.add(c);
    return limit(c, next);
  };
};

/** A sub-app's limit for its routes that stated none before it (the dashboard's forms, whose token check reads them). */
export const defaultBodyLimit = (maxSize: number): MiddlewareHandler => {
  const limit = limitBody(maxSize);
  return (c, next) => (stated.has(c) ? next() : limit(c, next));
};

/** The CSV import (the API's, behind the admin token, and the dashboard's upload form) is the one allowed more. */
export const IMPORT_BODY_BYTES = 8 * 1024 * 1024;
export const IMPORT_TOO_LARGE = "The CSV is larger than 8 MB: split it into smaller files.";

/** Media type and parameters of the request's Content-Type, lower-cased names. */
function contentType(c: Context): { type: string; params: Map<string, string> } {
  const [type = "", ...rest] = (c.req.header("content-type") ?? "").split(";");
  const params = new Map<string, string>();
  for (const part of rest) {
    const eq = part.indexOf("=");
    if (eq > 0)
      params.set(
        part.slice(0, eq).trim().toLowerCase(),
        part
          .slice(eq + 1)
          .trim()
          .replace(/^"(.*)"$/, "$1"),
      );
  }
  return { type: type.trim().toLowerCase(), params };
}

/**
 * Every route, before its handler: multipart without a boundary and text in a charset other than UTF-8 are
 * refused with a 4xx here, so no parser further down can fail with a 500. The size is each route's (limitBody).
 */
export const rejectMalformedBodies = createMiddleware(async (c, next) => {
  if (!c.req.raw.body) return next();
  const { type, params } = contentType(c);
  if (type === "multipart/form-data" && !params.get("boundary")) {
    throw new AppError("BAD_REQUEST", "A multipart/form-data body needs a boundary parameter.");
  }
  const charset = params.get("charset")?.toLowerCase();
  if (charset && charset !== "utf-8" && charset !== "utf8") {
    throw new AppError("UNSUPPORTED_MEDIA_TYPE", "Send the body as UTF-8.");
  }
  return next();
});

const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

/** Bytes as text, refusing bytes that are not UTF-8 (instead of turning them into U+FFFD). */
export function decodeUtf8(bytes: ArrayBuffer, what = "The request body"): string {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    throw new AppError("BAD_REQUEST", `${what} is not valid UTF-8.`);
  }
}

/** The body as text, refusing bytes that are not UTF-8. */
export async function readUtf8(c: Context): Promise<string> {
  return decodeUtf8(await c.req.arrayBuffer());
}

/** key=value&… with the same rules as a browser's form, but a malformed %-escape or UTF-8 is a 400. */
function parseUrlEncoded(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const pair of text.split("&")) {
    if (!pair) continue;
    const eq = pair.indexOf("=");
    const [rawKey, rawValue] = eq < 0 ? [pair, ""] : [pair.slice(0, eq), pair.slice(eq + 1)];
    try {
      // A repeated field keeps its last value, as the form parser did.
      fields[decodeURIComponent(rawKey.replace(/\+/g, " "))] = decodeURIComponent(rawValue.replace(/\+/g, " "));
    } catch {
      throw new AppError("BAD_REQUEST", "The form body is not valid (bad %-escape or UTF-8).");
    }
  }
  return fields;
}

export type BodyKind = "json" | "form";

/**
 * A form (urlencoded or multipart; string fields only, files dropped) or, when allowed, JSON. Anything
 * else is a 415; a body that does not parse is a 400.
 * Why not zValidator("form"/"json") here: Hono's parsers turn bad UTF-8 into U+FFFD and hand back an array
 * for a repeated `name[]` field; this refuses the first and keeps one string per field, so public forms stay on it.
 */
export async function readBody(c: Context, accept: readonly BodyKind[] = ["form"]): Promise<unknown> {
  const { type } = contentType(c);
  if (type === "application/json" && accept.includes("json")) {
    const text = await readUtf8(c);
    try {
      return JSON.parse(text);
    } catch {
      throw new AppError("BAD_REQUEST", "The request body is not valid JSON.");
    }
  }
  if (accept.includes("form")) {
    if (type === "application/x-www-form-urlencoded") return parseUrlEncoded(await readUtf8(c));
    if (type === "multipart/form-data") {
      let form: FormData;
      try {
        form = await c.req.formData();
      } catch {
        throw new AppError("BAD_REQUEST", "The multipart body could not be read.");
      }
      const fields: Record<string, string> = {};
      for (const [key, value] of form) {
        if (typeof value !== "string") continue;
        // The multipart parser turns bytes that are not UTF-8 into U+FFFD: refuse rather than store them.
        if (value.includes("\ufffd") || key.includes("\ufffd"))
          throw new AppError("BAD_REQUEST", "The request body is not valid UTF-8.");
        fields[key] = value;
      }
      return fields;
    }
  }
  throw new AppError(
    "UNSUPPORTED_MEDIA_TYPE",
    accept.includes("json")
      ? "Send the form as application/x-www-form-urlencoded or JSON."
      : "Send the form as application/x-www-form-urlencoded.",
  );
}

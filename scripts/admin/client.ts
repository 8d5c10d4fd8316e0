import type { z } from "zod";
import { errorBodySchema } from "../../worker/routes/admin-api/common-schema";
import { readAdminToken } from "./token";

/** A failure the CLI reports and exits non-zero on; `requestId` lets the admin find the request in the logs. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly details: { status?: number; code?: string; requestId?: string } = {},
  ) {
    super(message);
  }
}

/** One page of an admin list: the API's `pageSchema(item, name)` (worker/routes/admin-api/common-schema.ts). */
type PageSchema = z.ZodType<{ data: unknown[]; has_more: boolean; next_cursor: string | null }>;

export type Query = Record<string, string | number | boolean | undefined>;

interface RequestOptions {
  method?: "GET" | "POST";
  query?: Query;
  json?: unknown;
  body?: Uint8Array;
  contentType?: string;
  idempotencyKey?: string;
}

/** The admin API over fetch: bearer token, query strings, and the one error shape turned into CliError. */
export class AdminClient {
  readonly #base: string;
  readonly #token: string;

  constructor(baseUrl: string, token: string) {
    this.#base = `${baseUrl.replace(/\/+$/, "")}/admin/api`;
    this.#token = token;
  }

  /** The response as it came (status checked): for streamed bodies. */
  async fetch(path: string, options: RequestOptions = {}): Promise<Response> {
    const url = new URL(this.#base + path);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined && value !== false) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { authorization: `Bearer ${this.#token}` };
    let body: BodyInit | undefined;
    if (options.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(options.json);
    } else if (options.body) {
      headers["content-type"] = options.contentType ?? "application/octet-stream";
      body = options.body;
    }
    if (options.idempotencyKey) headers["idempotency-key"] = options.idempotencyKey;
    let response: Response;
    try {
      response = await fetch(url, { method: options.method ?? "GET", headers, body });
    } catch (error) {
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      const why = cause?.code ?? cause?.message ?? (error as Error).message;
      throw new CliError(`cannot reach ${url.origin} (${why}): is the worker running (npm start), or is --url wrong?`);
    }
    if (!response.ok) throw await errorOf(response);
    return response;
  }

  /** The JSON answer, checked against `schema` so a contract mismatch is named instead of printed as undefined. */
  async json<T extends z.ZodType>(schema: T, path: string, options: RequestOptions = {}): Promise<z.output<T>> {
    return (await this.jsonWithReplay(schema, path, options)).body;
  }

  /** As `json`, and whether the API replayed an earlier answer to the same Idempotency-Key. */
  async jsonWithReplay<T extends z.ZodType>(
    schema: T,
    path: string,
    options: RequestOptions = {},
  ): Promise<{ body: z.output<T>; replayed: boolean }> {
    const response = await this.fetch(path, options);
    const parsed = schema.safeParse(await response.json().catch(() => undefined));
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      throw new CliError(`unexpected answer from ${path}: ${issue.path.join(".") || "body"}: ${issue.message}`);
    }
    return { body: parsed.data, replayed: response.headers.get("idempotent-replayed") === "true" };
  }

  /** Every page of a list while `has_more` (or only the first page when `all` is false). */
  async *pages<T extends PageSchema>(pageSchema: T, path: string, query: Query, all: boolean) {
    let cursor = query.cursor;
    for (;;) {
      const page = await this.json(pageSchema, path, { query: { ...query, cursor } });
      yield page;
      if (!all || !page.has_more || page.next_cursor === null) return;
      cursor = page.next_cursor;
    }
  }
}

async function errorOf(response: Response): Promise<CliError> {
  const text = await response.text().catch(() => "");
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  const parsed = errorBodySchema.safeParse(body);
  if (parsed.success) {
    const { code, message, requestId } = parsed.data.error;
    return new CliError(message, { status: response.status, code, requestId });
  }
  return new CliError(`HTTP ${response.status} ${response.statusText}${text ? `: ${text.slice(0, 200)}` : ""}`, {
    status: response.status,
  });
}

/** The client for the global options, or a CliError that says where the token comes from. */
export function clientFor(options: { url: string }): AdminClient {
  const token = readAdminToken();
  if (!token) {
    throw new CliError(
      "no admin token: set NEXTPART_ADMIN_TOKEN, or run `npm start` once (it writes ADMIN_TOKEN to .dev.vars)",
    );
  }
  return new AdminClient(options.url, token);
}

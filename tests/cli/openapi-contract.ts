import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

/**
 * Checks an HTTP answer against the admin API's OpenAPI 3.1 document (fetched from the real Worker): the status
 * is declared for the operation, the media type too, and a JSON body validates against the declared schema.
 * Objects the API declares closed (no `.loose()`) are closed here, so a mock cannot invent or misname fields.
 */
export interface Answer {
  method: string;
  /** Path under /admin/api, without the query. */
  path: string;
  status: number;
  contentType: string | null;
  body: string;
}

type Json = Record<string, unknown>;

/** Every object schema with `properties` and no `additionalProperties` gets `additionalProperties: false`. */
function closeObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closeObjects);
  if (node === null || typeof node !== "object") return node;
  const copy: Json = Object.fromEntries(
    Object.entries(node).map(([key, value]) => [key, key === "allOf" ? value : closeObjects(value)]),
  );
  if (copy.type === "object" && copy.properties && !("additionalProperties" in copy)) copy.additionalProperties = false;
  return copy;
}

/** `/imports/{id}` → a regex matching `/imports/<anything but a slash>`. */
const templateRegex = (template: string) =>
  new RegExp(`^${template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\{[^}]+\}/g, "[^/]+")}$`);

export function openApiChecker(document: Json) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  const closed = closeObjects(document) as Json & {
    paths: Record<
      string,
      Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }> }>
    >;
  };
  ajv.addSchema({ ...closed, $id: "openapi" });
  const templates = Object.keys(closed.paths);

  /** What is wrong with the answer (nothing: an empty list). */
  return function check(answer: Answer): string[] {
    const where = `${answer.method} ${answer.path} → ${answer.status}`;
    const method = answer.method.toLowerCase();
    // An exact path first: /subscribers/export.csv, not /subscribers/{id}.
    const template =
      templates.find((t) => t === answer.path && closed.paths[t]![method]) ??
      templates.find((t) => templateRegex(t).test(answer.path) && closed.paths[t]![method]);
    if (!template) return [`${where}: no such operation in the document`];
    const response = closed.paths[template]![answer.method.toLowerCase()]!.responses[String(answer.status)];
    if (!response) return [`${where}: status not declared`];
    const mediaType = (answer.contentType ?? "").split(";")[0]!.trim().toLowerCase();
    if (!response.content?.[mediaType])
      return [`${where}: content type "${mediaType}" not declared (${Object.keys(response.content ?? {}).join(", ")})`];
    if (mediaType !== "application/json") return [];
    const pointer = [
      "paths",
      template,
      answer.method.toLowerCase(),
      "responses",
      String(answer.status),
      "content",
      mediaType,
      "schema",
    ]
      .map((part) => part.replace(/~/g, "~0").replace(/\//g, "~1"))
      .join("/");
    const validate = ajv.getSchema(`openapi#/${pointer}`)!;
    let body: unknown;
    try {
      body = JSON.parse(answer.body);
    } catch {
      return [`${where}: body is not JSON`];
    }
    if (validate(body)) return [];
    return (validate.errors ?? []).map(
      (error) =>
        `${where}: ${error.instancePath || "body"} ${error.message}${error.params && "additionalProperty" in error.params ? ` (${String(error.params.additionalProperty)})` : ""}`,
    );
  };
}

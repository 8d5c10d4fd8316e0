import type { Child } from "hono/jsx";
import { Layout } from "./layout";

/** The parts of an OpenAPI 3.1 document this page reads. */
interface Schema {
  $ref?: string;
  type?: string | string[];
  description?: string;
  [key: string]: unknown;
}
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  description?: string;
  schema?: Schema;
}
interface Operation {
  tags?: string[];
  summary?: string;
  description?: string;
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, { description?: string; content?: Record<string, { schema?: Schema }> }>;
}
export interface ApiDocument {
  info: { title: string; version: string; description?: string };
  servers?: { url: string }[];
  paths?: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ["get", "post", "put", "patch", "delete"] as const;

/** A reference reads wider than an article: schemas and parameter tables need the room. */
const docStyles = `main { max-width: 64rem; } pre { background: #fff; border: 1px solid var(--line); padding: .6rem; overflow: auto;
font-size: .8rem; line-height: 1.4; } table { border-collapse: collapse; font: .9rem system-ui, sans-serif; margin: .5rem 0; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
section { border-top: 1px solid var(--line); margin-top: 1.5rem; } h3 code { font-size: 1rem; }`;
const anchor = (method: string, path: string) => `${method}-${path.replace(/[^a-z0-9]+/gi, "-")}`;

/** A schema as its component name (linked) or its JSON, so every answer can be read without a script. */
function SchemaView({ schema }: { schema?: Schema }): Child {
  if (!schema) return null;
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop()!;
    return <a href={`#schema-${name}`}>{name}</a>;
  }
  return <pre>{JSON.stringify(schema, null, 2)}</pre>;
}

function OperationView({ method, path, op }: { method: string; path: string; op: Operation }) {
  return (
    <section id={anchor(method, path)}>
      <h3>
        <code>
          {method.toUpperCase()} {path}
        </code>
      </h3>
      {op.summary ? <p>{op.summary}</p> : null}
      {op.description ? <p class="hint">{op.description}</p> : null}
      {op.parameters?.length ? (
        <table>
          <tr>
            <th>parameter</th>
            <th>in</th>
            <th>type</th>
            <th>about</th>
          </tr>
          {op.parameters.map((p) => (
            <tr>
              <td>
                <code>{p.name}</code>
                {p.required ? " (required)" : ""}
              </td>
              <td>{p.in}</td>
              <td>{JSON.stringify(p.schema?.enum ?? p.schema?.type ?? "")}</td>
              <td>{p.description ?? p.schema?.description ?? ""}</td>
            </tr>
          ))}
        </table>
      ) : null}
      {Object.entries(op.requestBody?.content ?? {}).map(([type, body]) => (
        <p>
          Body ({type}): <SchemaView schema={body.schema} />
        </p>
      ))}
      <ul>
        {Object.entries(op.responses ?? {}).map(([status, answer]) => (
          <li>
            <strong>{status}</strong> {answer.description}{" "}
            {Object.entries(answer.content ?? {}).map(([, body]) => (
              <SchemaView schema={body.schema} />
            ))}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The admin API reference, rendered on the server from the OpenAPI document: no script, no CDN. */
export function ApiDocsPage({ doc }: { doc: ApiDocument }) {
  const byTag = new Map<string, { method: string; path: string; op: Operation }[]>();
  for (const [path, item] of Object.entries(doc.paths ?? {})) {
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const tag = op.tags?.[0] ?? "Other";
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method, path, op }]);
    }
  }
  const base = doc.servers?.[0]?.url ?? "";
  return (
    <Layout
      title={doc.info.title}
      siteName="nextpart admin"
      // biome-ignore lint/security/noDangerouslySetInnerHtml: our own stylesheet, a constant (text children would be escaped)
      head={<style dangerouslySetInnerHTML={{ __html: docStyles }} />}
    >
      <h1>{doc.info.title}</h1>
      <p class="lede">{doc.info.description}</p>
      <p class="hint">
        Paths are relative to <code>{base}</code>. Send <code>Authorization: Bearer &lt;ADMIN_TOKEN&gt;</code>. The
        machine-readable document: <a href={`${base}/openapi.json`}>openapi.json</a> (OpenAPI 3.1).
      </p>
      <nav>
        {[...byTag].map(([tag, ops]) => (
          <p>
            <strong>{tag}</strong>:{" "}
            {ops.map(({ method, path }) => (
              <>
                <a href={`#${anchor(method, path)}`}>
                  {method.toUpperCase()} {path}
                </a>{" "}
              </>
            ))}
          </p>
        ))}
      </nav>
      {[...byTag].map(([tag, ops]) => (
        <>
          <h2>{tag}</h2>
          {ops.map(({ method, path, op }) => (
            <OperationView method={method} path={path} op={op} />
          ))}
        </>
      ))}
      <h2>Schemas</h2>
      {Object.entries(doc.components?.schemas ?? {}).map(([name, schema]) => (
        <section id={`schema-${name}`}>
          <h3>{name}</h3>
          <pre>{JSON.stringify(schema, null, 2)}</pre>
        </section>
      ))}
    </Layout>
  );
}

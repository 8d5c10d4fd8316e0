import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * Part of `npm run typecheck`. `.openapi()` exists only on schemas made after @hono/zod-openapi extended zod;
 * called on an older one (a plain `zod` schema of a shared module) it throws when the Worker loads. So only
 * worker/routes/admin-api/ (and the API's own middleware) may call it, and there `z` comes from
 * @hono/zod-openapi, never from "zod".
 */
const root = path.resolve(import.meta.dirname, "..");
const ADMIN = path.join("worker", "routes", "admin-api") + path.sep;
const ADMIN_MIDDLEWARE = [path.join("worker", "middleware", "idempotency.ts")];

const sources = (dir: string): string[] =>
  readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(rel);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [rel] : [];
  });

/** Comments out, so a comment may name `.openapi()`. */
const code = (text: string) => text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/(^|[^:])\/\/.*$/gm, "$1");

const problems: string[] = [];
for (const file of sources("worker")) {
  const text = code(readFileSync(path.join(root, file), "utf8"));
  const inAdmin = file.startsWith(ADMIN) || ADMIN_MIDDLEWARE.includes(file);
  if (!inAdmin && /\.openapi\s*\(/.test(text))
    problems.push(`${file}: calls .openapi() outside ${ADMIN} (it throws at load on a plain zod schema)`);
  if (inAdmin && /import\s[^;]*\bfrom\s+["']zod["']/.test(text))
    problems.push(`${file}: imports from "zod": use the z of "@hono/zod-openapi" in ${ADMIN}`);
}
if (problems.length > 0) {
  console.error(`OpenAPI schema rule broken:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}

import { existsSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The CLI parses answers with the API's own schemas, and must load nothing else of the Worker (the catalog, D1):
 * every module of worker/ it imports (type-only imports aside) is one of the `*-schema.ts` modules.
 */
const root = path.resolve(import.meta.dirname, "../..");

/** Relative value imports and re-exports of a file (`import type …` and `export type …` are erased). */
function relativeImports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const specifiers = [...text.matchAll(/^\s*(?:import|export)\s+(?!type\b)[^;]*?\bfrom\s+["'](\.[^"']+)["']/gm)];
  return specifiers.map((match) => {
    const base = path.resolve(path.dirname(file), match[1]!);
    // A data file (the catalog's JSON) counts as loaded; only code is followed further.
    const found = [`${base}.ts`, `${base}.tsx`, path.join(base, "index.ts"), base].find(
      (candidate) => existsSync(candidate) && statSync(candidate).isFile(),
    );
    if (!found) throw new Error(`${path.relative(root, file)}: cannot resolve ${match[1]}`);
    return found;
  });
}

function loadedModules(entry: string): Set<string> {
  const seen = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    if (/\.tsx?$/.test(file)) for (const next of relativeImports(file)) visit(next);
  };
  visit(entry);
  return seen;
}

describe("the admin CLI's imports", () => {
  const modules = [...loadedModules(path.join(root, "scripts/admin.ts"))].map((file) => path.relative(root, file));
  const worker = modules.filter((file) => file.startsWith(`worker${path.sep}`));

  it("reach the API's schema modules for every answer it parses", () => {
    expect(worker.sort()).toEqual(
      [
        "common-schema.ts",
        "growth-schema.ts",
        "import-schema.ts",
        "previews-schema.ts",
        "send-schema.ts",
        "stats-schema.ts",
        "subscribers-schema.ts",
      ].map((name) => path.join("worker", "routes", "admin-api", name)),
    );
  });

  it("declare no response schema of their own: no CLI module calls zod's object()", () => {
    const cli = modules.filter((file) => file.startsWith(path.join("scripts", "admin")));
    const declaring = cli.filter((file) => /\bz\s*\.\s*object\s*\(/.test(readFileSync(path.join(root, file), "utf8")));
    expect(declaring).toEqual([]);
  });
});

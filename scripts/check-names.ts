import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * Part of `npm run check`: inside worker/ every file name and every exported name is unique, so a name found
 * in a stack trace, a log line or a search leads to one place. worker/index.ts (the entry) and the generated
 * .d.ts are the exceptions.
 */
const root = path.resolve(import.meta.dirname, "..");
const sources = (dir: string): string[] =>
  readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(rel);
    return /\.tsx?$/.test(entry.name) && !entry.name.endsWith(".d.ts") ? [rel] : [];
  });

const byName = new Map<string, string[]>();
const note = (name: string, where: string) => byName.set(name, [...(byName.get(name) ?? []), where]);
const folders = new Map<string, string[]>();
for (const file of sources("worker")) {
  if (file !== path.join("worker", "index.ts")) note(`file ${path.basename(file)}`, file);
  const folder = path.dirname(file);
  if (folder !== "worker")
    folders.set(path.basename(folder), [...new Set([...(folders.get(path.basename(folder)) ?? []), folder])]);
  const text = readFileSync(path.join(root, file), "utf8");
  for (const match of text.matchAll(
    /^export (?:async )?(?:function\*?|const|let|class|interface|type|enum) ([A-Za-z0-9_$]+)/gm,
  ))
    note(`export ${match[1]}`, file);
}
const problems = [...byName]
  .filter(([, where]) => where.length > 1)
  .map(([name, where]) => `${name}: ${where.join(", ")}`);
for (const [name, where] of folders) if (where.length > 1) problems.push(`folder ${name}/: ${where.join(", ")}`);
if (problems.length > 0) {
  console.error(`Names that repeat inside worker/:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}

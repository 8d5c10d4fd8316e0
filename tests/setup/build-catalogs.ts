import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

/**
 * Global setup of the suites that read the emails catalogs: builds emails/dist/catalog.json and
 * tests/.generated/catalog.json (the sample series plus tests/fixtures/series) when either is missing or any
 * source changed since the last build, so one file runs on a fresh clone. Up to date, it only stats the sources.
 */
const root = path.resolve(import.meta.dirname, "../..");
const outputs = ["emails/dist/catalog.json", "tests/.generated/catalog.json"];
/** What the build reads: the series, the templates, the build script and the Worker types it imports. */
const sources = [
  "emails",
  "tests/fixtures/series",
  "scripts/build-emails.tsx",
  "scripts/build-emails",
  "scripts/catalog-manifest.ts",
  "worker/content/types.ts",
  "worker/lib/timezone.ts",
  "package-lock.json",
];
const stampFile = path.join(root, "tests/.generated/catalogs.stamp");
const builds = [
  ["scripts/build-emails.tsx"],
  [
    "scripts/build-emails.tsx",
    ...["--series-dir", "emails/series", "--series-dir", "tests/fixtures/series"],
    ...["--out", "tests/.generated/catalog.json"],
  ],
];

/** Path, size and modification time of every source file (a removed file changes it too). */
function fingerprint(): string {
  const hash = createHash("sha256");
  const walk = (file: string) => {
    if (file === "emails/dist" || file === "emails/.preview") return;
    const full = path.join(root, file);
    if (!existsSync(full)) return;
    const stat = statSync(full);
    if (stat.isDirectory()) for (const name of readdirSync(full).sort()) walk(path.posix.join(file, name));
    else hash.update(`${file}\0${stat.size}\0${stat.mtimeMs}\n`);
  };
  for (const source of sources) walk(source);
  return hash.digest("hex");
}

function buildStaleCatalogs(): "fresh" | "built" {
  const missing = outputs.some((file) => !existsSync(path.join(root, file)));
  const stamp = existsSync(stampFile) ? readFileSync(stampFile, "utf8") : "";
  if (!missing && stamp === fingerprint()) return "fresh";
  // Synchronous on purpose: projects that share this setup never build at the same time.
  for (const args of builds) {
    const run = spawnSync(process.execPath, ["--import", "tsx", ...args], { cwd: root, encoding: "utf8" });
    if (run.status !== 0) throw new Error(`${args.join(" ")} failed:\n${run.stdout}${run.stderr}`);
  }
  mkdirSync(path.dirname(stampFile), { recursive: true });
  // Taken after the build: it rewrites emails/catalog-manifest.json, one of its own sources.
  writeFileSync(stampFile, fingerprint());
  return "built";
}

export default function setup() {
  const started = Date.now();
  if (buildStaleCatalogs() === "built") console.log(`emails catalogs built (${Date.now() - started} ms)`);
}

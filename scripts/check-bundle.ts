import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";

/**
 * Part of `npm run check`: the deploy dry run (what `wrangler deploy` would upload), what each dependency costs
 * in it, and the budget: ≤ 250 KiB gzip, since every request, cron tick and queue batch loads the whole Worker.
 */
const BUDGET_GZIP_KIB = 250;
const root = path.resolve(import.meta.dirname, "..");
const out = path.join(root, "dist");
const metafile = path.join(out, "meta.json");

const log = execFileSync("npx", ["wrangler", "deploy", "--dry-run", "--outdir", out, "--metafile", metafile], {
  cwd: root,
  encoding: "utf8",
  stdio: ["ignore", "pipe", "inherit"],
});
const total = /Total Upload: ([\d.]+) KiB \/ gzip: ([\d.]+) KiB/.exec(log);
if (!total) throw new Error(`no "Total Upload" line in wrangler's output:\n${log}`);
const [rawKiB, gzipKiB] = [Number(total[1]), Number(total[2])];

type Meta = { outputs: Record<string, { inputs?: Record<string, { bytesInOutput: number }> }> };
const meta = JSON.parse(readFileSync(metafile, "utf8")) as Meta;
const bundle = Object.values(meta.outputs).find((output) => Object.keys(output.inputs ?? {}).length > 1);
const byOwner = new Map<string, number>();
for (const [input, { bytesInOutput }] of Object.entries(bundle?.inputs ?? {})) {
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1];
  const owner = pkg ?? `(ours) ${input.split("/").slice(0, 2).join("/")}`;
  byOwner.set(owner, (byOwner.get(owner) ?? 0) + bytesInOutput);
}
const bytes = [...byOwner.values()].reduce((a, b) => a + b, 0);
console.log(`bundle: ${rawKiB} KiB, ${gzipKiB} KiB gzip (budget ${BUDGET_GZIP_KIB}); minified share by origin:`);
for (const [owner, size] of [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, 20))
  console.log(
    `  ${(size / 1024).toFixed(1).padStart(7)} KiB  ${((100 * size) / bytes).toFixed(1).padStart(5)}%  ${owner}`,
  );
if (gzipKiB > BUDGET_GZIP_KIB) {
  console.error(`bundle is ${gzipKiB} KiB gzip, over the ${BUDGET_GZIP_KIB} KiB budget`);
  process.exit(1);
}

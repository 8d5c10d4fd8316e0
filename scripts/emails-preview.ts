/**
 * `npm run emails:preview`: react-email's preview server (`email dev`) listing every part of every series
 * and each series' confirmation, rendered by the real templates with sample reader values. The .tsx it shows
 * are generated from the Markdown into a git-ignored folder, and regenerated when the content changes.
 *   npm run emails:preview [-- --port 3000] [--series-dir DIR]... [--out DIR]
 * Ctrl+C, SIGTERM and SIGHUP stop the preview server this started.
 */
import { spawn } from "node:child_process";
import { watch, type FSWatcher } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { generatePreviews } from "./emails-preview/generate-previews";
import { previewServerCli } from "./emails-preview/preview-server";

const root = path.resolve(import.meta.dirname, "..");
const { values } = parseArgs({
  options: {
    port: { type: "string", default: process.env.PORT ?? "3000" },
    "series-dir": { type: "string", multiple: true },
    out: { type: "string", default: path.join(root, "emails/.preview") },
  },
});
if (!/^\d{1,5}$/.test(values.port)) {
  console.error(`emails:preview: --port ${values.port}: expected a port number`);
  process.exit(1);
}
const seriesRoots = (values["series-dir"] ?? [path.join(root, "emails/series")]).map((dir) => path.resolve(dir));
const outDir = path.resolve(values.out);

function generate() {
  const { files, problems } = generatePreviews({ seriesRoots, outDir, templatesDir: path.join(root, "emails") });
  for (const problem of problems) console.error(`emails:preview: left out ${problem} (npm run build:emails says more)`);
  console.log(
    `emails:preview: ${files.length} email(s) in ${path.relative(root, outDir) || outDir}: ${files.join(", ")}`,
  );
}
generate();

// Content edits regenerate the previews; the server sees the new files and reloads the open one.
let pending: NodeJS.Timeout | undefined;
const watchers: FSWatcher[] = seriesRoots.map((dir) =>
  watch(dir, { recursive: true }, () => {
    clearTimeout(pending);
    pending = setTimeout(() => {
      // A folder removed mid-edit must not take the server down: say so and wait for the next change.
      try {
        generate();
      } catch (error) {
        console.error(`emails:preview: ${(error as Error).message}`);
      }
    }, 150);
  }),
);

// The CLI of react-email, on this Node (22, from `npm run`), not through a shell. Given the flags it needs, it
// runs in this one child; without them it re-spawns itself, and that grandchild outlives a signal to the child.
let cli: string;
try {
  cli = previewServerCli(root);
} catch (error) {
  console.error(`emails:preview: ${(error as Error).message}`);
  process.exit(1);
}
const nodeFlags = ["--experimental-vm-modules", "--disable-warning=ExperimentalWarning"];
// Run from the preview server's own folder: the CLI finds @react-email/ui beside itself from there.
const server = spawn(process.execPath, [...nodeFlags, cli, "dev", "--dir", outDir, "--port", values.port], {
  cwd: path.resolve(cli, "../../../../.."),
  stdio: "inherit",
  env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
});

function stopWatching() {
  clearTimeout(pending);
  for (const watcher of watchers) watcher.close();
}
for (const signal of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
  process.on(signal, () => {
    stopWatching();
    if (server.exitCode === null && server.signalCode === null) server.kill(signal);
  });
}
// Whatever ends this process, the server goes with it.
process.on("exit", () => {
  if (server.exitCode === null && server.signalCode === null) server.kill("SIGTERM");
});
server.on("error", (error) => {
  console.error(`emails:preview: could not start react-email: ${error.message}`);
  stopWatching();
  process.exitCode = 1;
});
server.on("exit", (code, signal) => {
  stopWatching();
  process.exitCode = code ?? (signal === "SIGINT" || signal === "SIGTERM" || signal === "SIGHUP" ? 0 : 1);
});

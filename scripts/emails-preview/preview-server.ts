import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

/**
 * react-email's preview server (with its Next.js, ~470 MB) is for authors only: it stays out of `npm install`
 * and is installed on first use into a git-ignored folder of the project, at the version pinned here.
 */
export const PREVIEW_SERVER_PACKAGES = ["react-email@6.11.6", "@react-email/ui@6.11.6"];

export function previewServerCli(root: string): string {
  const prefix = path.join(root, ".cache", "preview-server", PREVIEW_SERVER_PACKAGES.join("+").replace(/[@/]/g, "_"));
  const cli = path.join(prefix, "node_modules/react-email/dist/cli/index.mjs");
  if (existsSync(cli)) return cli;
  console.log(
    `emails:preview: installing react-email's preview server (${PREVIEW_SERVER_PACKAGES.join(", ")}) on first use into ${path.relative(root, prefix)}…`,
  );
  const install = spawnSync(
    "npm",
    [
      "install",
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      "--loglevel=error",
      "--prefix",
      prefix,
      ...PREVIEW_SERVER_PACKAGES,
    ],
    { cwd: root, stdio: "inherit" },
  );
  if (install.status !== 0 || !existsSync(cli))
    throw new Error("could not install react-email's preview server (is the npm registry reachable?)");
  return cli;
}

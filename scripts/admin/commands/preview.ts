import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { z } from "zod";
import type { previewFormatSchema } from "../../../worker/routes/admin-api/previews-schema";
import type { AdminClient } from "../client";
import { note } from "../output";

export interface PreviewOptions {
  format: z.infer<typeof previewFormatSchema>;
  open?: boolean;
}

/** GET /preview/:series/:part: the email as sent, to a sample reader. To stdout, or a temp file opened in the browser. */
export async function previewCommand(client: AdminClient, series: string, part: number, options: PreviewOptions) {
  const response = await client.fetch(`/preview/${encodeURIComponent(series)}/${part}`, {
    query: { format: options.format },
  });
  const body = Buffer.from(await response.arrayBuffer());
  if (!options.open) {
    process.stdout.write(body);
    return;
  }
  const file = path.join(
    mkdtempSync(path.join(os.tmpdir(), "nextpart-preview-")),
    `${series}-${part}.${options.format === "html" ? "html" : "txt"}`,
  );
  writeFileSync(file, body);
  note(`preview written to ${file}`);
  openInBrowser(file);
}

/** $BROWSER when set (the usual convention), else the platform's opener; detached, so the CLI exits at once. */
function openInBrowser(file: string) {
  const [command, ...args] = process.env.BROWSER
    ? [process.env.BROWSER, file]
    : process.platform === "darwin"
      ? ["open", file]
      : process.platform === "win32"
        ? ["cmd", "/c", "start", "", file]
        : ["xdg-open", file];
  const child = spawn(command!, args, { detached: true, stdio: "ignore" });
  child.on("error", () => note(`could not start ${command}: open ${file} yourself`));
  child.unref();
}

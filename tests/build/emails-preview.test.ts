import { spawn, type ChildProcess } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generatePreviews } from "../../scripts/emails-preview/generate-previews";
import { previewServerCli } from "../../scripts/emails-preview/preview-server";

/**
 * `npm run emails:preview`: the generated .tsx (one per part, one confirmation per series), then react-email's
 * own preview server started on them, listing every part and rendering one, and stopped by a signal.
 */
const root = path.resolve(import.meta.dirname, "../..");
const seriesRoots = [path.join(root, "emails/series"), path.join(root, "tests/fixtures/series")];
const cleanup: (() => void)[] = [];
afterAll(() => {
  for (const step of cleanup.splice(0).reverse()) step();
});

/** Inside the project (git-ignored), so the generated files resolve react from its node_modules. */
function outDir() {
  const dir = mkdtempSync(path.join(root, "tests/.generated/preview-"));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}
/** What the preview must list: each series' part files, its confirmation and its "Still reading?" email if it has the rule. */
function expectedFiles() {
  return seriesRoots.flatMap((dir) =>
    readdirSync(dir).flatMap((slug) => [
      `${slug}/confirmation.tsx`,
      ...("reengage" in JSON.parse(readFileSync(path.join(dir, slug, "series.json"), "utf8"))
        ? [`${slug}/still-reading.tsx`]
        : []),
      ...readdirSync(path.join(dir, slug))
        .filter((f) => f.endsWith(".md"))
        .map((f) => `${slug}/${f.replace(/\.md$/, ".tsx")}`),
    ]),
  );
}

describe("the generated previews", () => {
  it("are one module per part and per series' confirmation, with the part's own content", () => {
    const out = outDir();
    const { files, problems } = generatePreviews({ seriesRoots, outDir: out, templatesDir: path.join(root, "emails") });
    expect(problems).toEqual([]);
    expect(files.sort()).toEqual(expectedFiles().sort());
    const part = readFileSync(path.join(out, "fixture-four/03-fixture-part-3.tsx"), "utf8");
    expect(part).toContain('import Email from "../../../../emails/series-part";');
    const props = JSON.parse(/export const PreviewProps = (\{[\s\S]*?\n\});/.exec(part)![1]!) as Record<
      string,
      unknown
    >;
    expect(props).toMatchObject({
      seriesTitle: "Fixture Four",
      number: 3,
      title: "Fixture part 3",
      webUrl: "https://example.com/p/fixture-four/3",
    });
    expect(props.bodyHtml).toContain("Fixture part 3 body");
    // Site-relative links lead to the sample site, not to a {{{base_url}}} placeholder.
    expect(props.bodyHtml).not.toContain("{{{");
  });

  it("leave out a part that cannot be read, say so, keep the others, and remove what is gone", () => {
    const out = outDir();
    const content = mkdtempSync(path.join(os.tmpdir(), "nextpart-preview-src-"));
    cleanup.push(() => rmSync(content, { recursive: true, force: true }));
    cpSync(path.join(root, "tests/fixtures/series/fixture-four"), path.join(content, "fixture-four"), {
      recursive: true,
    });
    const options = { seriesRoots: [content], outDir: out, templatesDir: path.join(root, "emails") };
    expect(generatePreviews(options).files).toHaveLength(5);

    writeFileSync(path.join(content, "fixture-four/02-fixture-part-2.md"), "---\ntitle: [unclosed\n---\nBody.\n");
    const { files, problems } = generatePreviews(options);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toContain(`${path.join(content, "fixture-four/02-fixture-part-2.md")}: front matter:`);
    expect(files.sort()).toEqual([
      "fixture-four/01-fixture-part-1.tsx",
      "fixture-four/03-fixture-part-3.tsx",
      "fixture-four/04-fixture-part-4.tsx",
      "fixture-four/confirmation.tsx",
    ]);
    expect(readdirSync(path.join(out, "fixture-four")).sort()).toEqual([
      "01-fixture-part-1.tsx",
      "03-fixture-part-3.tsx",
      "04-fixture-part-4.tsx",
      "confirmation.tsx",
    ]);
  });
});

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe("npm run emails:preview", () => {
  // The preview server is installed on first use (outside `npm install`): once, before its start is timed.
  beforeAll(() => void previewServerCli(root), 300_000);

  it("starts react-email's preview server, which lists every part of every series and renders one; SIGTERM stops it", async () => {
    const port = await freePort();
    const out = outDir();
    const args = [
      "--import",
      "tsx",
      "scripts/emails-preview.ts",
      "--port",
      String(port),
      "--out",
      out,
      ...seriesRoots.flatMap((dir) => ["--series-dir", dir]),
    ];
    const child: ChildProcess = spawn(process.execPath, args, { cwd: root, env: { ...process.env, NO_COLOR: "1" } });
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    cleanup.push(() => child.exitCode === null && child.signalCode === null && child.kill("SIGKILL"));
    let output = "";
    child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
    await expect.poll(() => output, { timeout: 60_000, interval: 200 }).toContain(`Running preview at:`);

    const base = `http://localhost:${port}`;
    const index = await fetch(base).then((r) => r.text());
    // The sidebar's data: per folder (series), its emails.
    const listed = [...index.matchAll(/\\"directoryName\\":\\"([^"\\]+)\\",\\"emailFilenames\\":\[([^\]]*)\]/g)].map(
      ([, dir, names]) => [dir, [...names!.matchAll(/\\"([^"\\]+)\\"/g)].map((m) => m[1]).sort()],
    );
    const expected = seriesRoots
      .flatMap((dir) => readdirSync(dir))
      .map((slug) => [
        slug,
        expectedFiles()
          .filter((f) => f.startsWith(`${slug}/`))
          .map((f) => f.slice(slug.length + 1).replace(/\.tsx$/, ""))
          .sort(),
      ]);
    expect(listed.filter(([dir]) => dir !== path.basename(out)).sort()).toEqual(expected.sort());

    const part = await fetch(`${base}/preview/fixture-four/02-fixture-part-2`);
    expect(part.status).toBe(200);
    const html = await part.text();
    expect(html).toContain("Fixture part 2 body. This is test content, not a real newsletter.");
    expect(html).not.toContain("Failed while rendering");

    child.kill("SIGTERM");
    expect(await exited).toBe(0);
    await expect(fetch(base)).rejects.toThrow();
  }, 120_000);
});

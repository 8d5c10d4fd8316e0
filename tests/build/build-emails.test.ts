import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";

/** A template that holds another template's slot fails the build, naming the file, not the send. */
const root = path.resolve(import.meta.dirname, "../..");
const dirs: string[] = [];

afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** A copy of the four-part fixture series, edited by `edit`, built on its own. */
function build(edit: (seriesDir: string) => void) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nextpart-build-"));
  dirs.push(dir);
  const seriesDir = path.join(dir, "series", "fixture-four");
  cpSync(path.join(root, "tests/fixtures/series/fixture-four"), seriesDir, { recursive: true });
  edit(seriesDir);
  const run = spawnSync(
    process.execPath,
    ["--import", "tsx", "scripts/build-emails.tsx", "--series-dir", path.join(dir, "series"), "--out", path.join(dir, "catalog.json")],
    { cwd: root, encoding: "utf8" },
  );
  return { status: run.status, stderr: run.stderr, seriesDir };
}

const appendTo = (file: string, text: string) => writeFileSync(file, `${readFileSync(file, "utf8")}\n${text}\n`);

describe("the email build's slots", () => {
  it("builds the fixture series as it is", () => {
    expect(build(() => {}).status).toBe(0);
  });

  it("fails on a confirmation slot in a part, naming the file", () => {
    const { status, stderr, seriesDir } = build((dir) => appendTo(path.join(dir, "02-fixture-part-2.md"), "Confirm here: {{{confirm_url}}}"));
    expect(status).toBe(1);
    expect(stderr).toContain(`${path.join(seriesDir, "02-fixture-part-2.md")}: slot {{{confirm_url}}}`);
    expect(stderr).toMatch(/is not a part slot/);
  });

  it("accepts a part slot in a part's body", () => {
    expect(build((dir) => appendTo(path.join(dir, "03-fixture-part-3.md"), "Read it on the web: {{{web_url}}}")).status).toBe(0);
  });
});

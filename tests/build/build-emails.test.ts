import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
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
    [
      "--import",
      "tsx",
      "scripts/build-emails.tsx",
      "--series-dir",
      path.join(dir, "series"),
      "--out",
      path.join(dir, "catalog.json"),
    ],
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
    const { status, stderr, seriesDir } = build((dir) =>
      appendTo(path.join(dir, "02-fixture-part-2.md"), "Confirm here: {{{confirm_url}}}"),
    );
    expect(status).toBe(1);
    // Appended as the file's last line, after a blank one: the message points at the slot there.
    const lines = readFileSync(path.join(seriesDir, "02-fixture-part-2.md"), "utf8").split("\n");
    const line = lines.findIndex((text) => text.startsWith("Confirm here:")) + 1;
    expect(line).toBeGreaterThan(10);
    expect(stderr).toContain(`${path.join(seriesDir, "02-fixture-part-2.md")}:${line}:15: slot {{{confirm_url}}}`);
    expect(stderr).toMatch(/is not a part slot/);
  });

  it("accepts a part slot in a part's body", () => {
    expect(
      build((dir) => appendTo(path.join(dir, "03-fixture-part-3.md"), "Read it on the web: {{{web_url}}}")).status,
    ).toBe(0);
  });
});

/** The fixture series built twice against one manifest: the second build sees `edit` as a catalog change. */
function buildTwice(edit: (seriesDir: string, seriesRoot: string) => void) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nextpart-manifest-"));
  dirs.push(dir);
  const seriesRoot = path.join(dir, "series");
  const seriesDir = path.join(seriesRoot, "fixture-four");
  cpSync(path.join(root, "tests/fixtures/series/fixture-four"), seriesDir, { recursive: true });
  const manifest = path.join(dir, "catalog-manifest.json");
  const run = () =>
    spawnSync(
      process.execPath,
      [
        "--import",
        "tsx",
        "scripts/build-emails.tsx",
        "--series-dir",
        seriesRoot,
        "--out",
        path.join(dir, "catalog.json"),
        "--manifest",
        manifest,
      ],
      { cwd: root, encoding: "utf8" },
    );
  const first = run();
  expect(first.status, first.stderr).toBe(0);
  const before = readFileSync(manifest, "utf8");
  edit(seriesDir, seriesRoot);
  const second = run();
  return {
    status: second.status,
    stdout: second.stdout,
    stderr: second.stderr,
    before,
    after: readFileSync(manifest, "utf8"),
    seriesDir,
  };
}
const changes = (stdout: string) =>
  stdout
    .split("\n")
    .filter((line) => line.startsWith("catalog change: "))
    .map((line) => line.slice(16));

describe("the build against the committed catalog manifest", () => {
  it("records each series' slug, aliases and part ids (defaulting to the file name without its NN- prefix)", () => {
    const { after, stdout } = buildTwice(() => {});
    expect(JSON.parse(after)).toEqual({
      series: {
        "fixture-four": {
          aliases: [],
          parts: ["fixture-part-1", "fixture-part-2", "fixture-part-3", "fixture-part-4"],
        },
      },
    });
    expect(changes(stdout)).toEqual([]);
  });

  it("says who gets an inserted part next", () => {
    const { status, stdout, after } = buildTwice((dir) => {
      const part2 = readFileSync(path.join(dir, "02-fixture-part-2.md"), "utf8");
      // Renumbered files keep their ids (the file name without its NN- prefix): only the new part is new.
      for (const [from, to] of [
        ["04-fixture-part-4", "05-fixture-part-4"],
        ["03-fixture-part-3", "04-fixture-part-3"],
        ["02-fixture-part-2", "03-fixture-part-2"],
      ]) {
        renameSync(path.join(dir, `${from}.md`), path.join(dir, `${to}.md`));
      }
      writeFileSync(
        path.join(dir, "02-an-inserted-part.md"),
        part2.replace("title: Fixture part 2", "title: Inserted"),
      );
    });
    expect(status).toBe(0);
    expect(changes(stdout)).toEqual([
      'fixture-four: inserted part "an-inserted-part" before "fixture-part-2": readers already past "fixture-part-2" get "an-inserted-part" next, then go on where they were',
    ]);
    expect(JSON.parse(after).series["fixture-four"].parts).toEqual([
      "fixture-part-1",
      "an-inserted-part",
      "fixture-part-2",
      "fixture-part-3",
      "fixture-part-4",
    ]);
  });

  it("says a removed part is skipped, and a reorder", () => {
    const { status, stdout } = buildTwice((dir) => {
      rmSync(path.join(dir, "04-fixture-part-4.md"));
      // Part 3 moves first: renamed file, same id.
      const text = readFileSync(path.join(dir, "03-fixture-part-3.md"), "utf8").replace(
        "---\n",
        "---\nid: fixture-part-3\n",
      );
      rmSync(path.join(dir, "03-fixture-part-3.md"));
      writeFileSync(path.join(dir, "00-moved-first.md"), text);
    });
    expect(status).toBe(0);
    expect(changes(stdout)).toEqual([
      'fixture-four: removed part "fixture-part-4": readers who have not received it skip it; nothing is re-sent',
      "fixture-four: reordered to fixture-part-3, fixture-part-1, fixture-part-2: each reader gets the parts they have not received, in the new order",
    ]);
  });

  it("refuses a series slug that disappears without an alias, naming it, and leaves the manifest as it was", () => {
    const { status, stderr, before, after } = buildTwice((dir, root) => {
      const renamed = path.join(root, "fixture-renamed");
      cpSync(dir, renamed, { recursive: true });
      rmSync(dir, { recursive: true });
      const meta = path.join(renamed, "series.json");
      writeFileSync(meta, readFileSync(meta, "utf8").replace('"slug": "fixture-four"', '"slug": "fixture-renamed"'));
    });
    expect(status).toBe(1);
    expect(stderr).toContain('series "fixture-four" is gone: its readers would be stranded');
    expect(stderr).toContain('add "aliases": ["fixture-four"]');
    expect(after).toBe(before);
  });

  it("accepts the rename with an alias and says readers keep their place", () => {
    const { status, stdout, after } = buildTwice((dir, root) => {
      const renamed = path.join(root, "fixture-renamed");
      cpSync(dir, renamed, { recursive: true });
      rmSync(dir, { recursive: true });
      const meta = path.join(renamed, "series.json");
      writeFileSync(
        meta,
        readFileSync(meta, "utf8").replace(
          '"slug": "fixture-four"',
          '"slug": "fixture-renamed",\n  "aliases": ["fixture-four"]',
        ),
      );
    });
    expect(status).toBe(0);
    expect(changes(stdout)).toEqual([
      'series "fixture-four" renamed to "fixture-renamed": its readers keep their place; old links redirect',
    ]);
    expect(JSON.parse(after).series).toEqual({
      "fixture-renamed": {
        aliases: ["fixture-four"],
        parts: ["fixture-part-1", "fixture-part-2", "fixture-part-3", "fixture-part-4"],
      },
    });
  });

  it("refuses two parts with one id, naming both files", () => {
    const { status, stderr, seriesDir } = buildTwice((dir) => {
      const meta = path.join(dir, "02-fixture-part-2.md");
      writeFileSync(meta, readFileSync(meta, "utf8").replace("---\n", "---\nid: fixture-part-1\n"));
    });
    expect(status).toBe(1);
    expect(stderr).toContain(
      `${path.join(seriesDir, "02-fixture-part-2.md")}:2:1: part id "fixture-part-1" is also the id of 01-fixture-part-1.md`,
    );
    expect(stderr).toContain(
      `${path.join(seriesDir, "01-fixture-part-1.md")}:1:1: the other part with id "fixture-part-1"`,
    );
  });
});

import { spawn } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, it } from "vitest";

/**
 * Issue #9: a bad part fails the build with `path:line:col: message`, at the line of the front matter key,
 * the slot, the link or `cta:` (line 1 when the key is missing), and names both files of a duplicate.
 * Each case drops a file of tests/fixtures/bad-parts into a copy of the fixture-four series.
 */
const root = path.resolve(import.meta.dirname, "../..");
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The fixture series, edited, built on its own (async: the cases run side by side). */
async function build(edit: (seriesDir: string) => void) {
  const dir = mkdtempSync(path.join(os.tmpdir(), "nextpart-messages-"));
  dirs.push(dir);
  const seriesDir = path.join(dir, "series", "fixture-four");
  cpSync(path.join(root, "tests/fixtures/series/fixture-four"), seriesDir, { recursive: true });
  edit(seriesDir);
  const out = path.join(dir, "catalog.json");
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "scripts/build-emails.tsx", "--series-dir", path.join(dir, "series"), "--out", out],
    { cwd: root },
  );
  let stderr = "";
  let stdout = "";
  child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  const status = await new Promise<number | null>((resolve) => child.on("close", resolve));
  return { status, stderr, stdout, seriesDir, wrote: existsSync(out), out };
}
const withPart = (fixture: string) =>
  build((dir) =>
    writeFileSync(
      path.join(dir, "02-fixture-part-2.md"),
      readFileSync(path.join(root, "tests/fixtures/bad-parts", fixture)),
    ),
  );
const diagnostics = (stderr: string) => stderr.split("\n").filter((line) => /^\S+:\d+:\d+: /.test(line));

describe.concurrent("the email build's messages name the file and line", () => {
  it.for([
    ["missing-title.md", 1, 1, "title: missing (expected string)"],
    ["unknown-key.md", 7, 1, "number: unknown key"],
    ["bad-cta.md", 8, 1, "cta.url: absolute http(s) URL or a path starting with /"],
    ["bad-yaml.md", 5, 1, "front matter: missed comma between flow collection entries"],
    [
      "unknown-slot.md",
      14,
      6,
      "unknown slot {{{nickname}}} in the html (slots: name, base_url, unsubscribe_url, preferences_url, action_url, referral_url, web_url, postal_address)",
    ],
    ["two-braces.md", 12, 14, "{{ name }} is not a slot: slots take three braces, {{{name}}}"],
    ["bad-link.md", 14, 17, 'link "javascript:alert(1)": use an http(s) URL, a mailto: or a path starting with /'],
  ] as const)("%s → line %i, column %i", async ([fixture, line, col, message], { expect }) => {
    const { status, stderr, seriesDir, wrote } = await withPart(fixture);
    expect(status).toBe(1);
    expect(diagnostics(stderr)).toEqual([`${path.join(seriesDir, "02-fixture-part-2.md")}:${line}:${col}: ${message}`]);
    expect(stderr).toContain("build-emails: 1 problem(s); nothing was written");
    expect(wrote).toBe(false);
  });

  it("reports every bad part of a series in one build, in file order", async ({ expect }) => {
    const { status, stderr, seriesDir } = await build((dir) => {
      cpSync(path.join(root, "tests/fixtures/bad-parts/bad-cta.md"), path.join(dir, "02-fixture-part-2.md"));
      cpSync(path.join(root, "tests/fixtures/bad-parts/unknown-key.md"), path.join(dir, "04-fixture-part-4.md"));
    });
    expect(status).toBe(1);
    expect(diagnostics(stderr)).toEqual([
      `${path.join(seriesDir, "02-fixture-part-2.md")}:8:1: cta.url: absolute http(s) URL or a path starting with /`,
      `${path.join(seriesDir, "04-fixture-part-4.md")}:7:1: number: unknown key`,
    ]);
    expect(stderr).toContain("build-emails: 2 problem(s)");
  });

  it("names both files of a duplicate part id, each at its id line (line 1 for an id from the file name)", async ({
    expect,
  }) => {
    const { status, stderr, seriesDir } = await build((dir) => {
      const file = path.join(dir, "03-fixture-part-3.md");
      writeFileSync(
        file,
        readFileSync(file, "utf8").replace("title: Fixture part 3\n", "title: Fixture part 3\nid: fixture-part-1\n"),
      );
    });
    expect(status).toBe(1);
    expect(diagnostics(stderr)).toEqual([
      `${path.join(seriesDir, "03-fixture-part-3.md")}:3:1: part id "fixture-part-1" is also the id of 01-fixture-part-1.md: ids are unique within a series (set \`id\` in the front matter)`,
      `${path.join(seriesDir, "01-fixture-part-1.md")}:1:1: the other part with id "fixture-part-1"`,
    ]);
  });

  it("names both files of a duplicate part number", async ({ expect }) => {
    const { status, stderr, seriesDir } = await build((dir) => {
      cpSync(path.join(dir, "02-fixture-part-2.md"), path.join(dir, "02-another-part.md"));
    });
    expect(status).toBe(1);
    expect(diagnostics(stderr)).toEqual([
      `${path.join(seriesDir, "02-fixture-part-2.md")}:1:1: part number 2 is also the number of 02-another-part.md: give each part its own NN- prefix`,
      `${path.join(seriesDir, "02-another-part.md")}:1:1: the other part numbered 2`,
    ]);
  });

  it("points a series.json problem at its key, and a JSON syntax error at its line and column", async ({ expect }) => {
    const bad = await build((dir) => {
      const meta = path.join(dir, "series.json");
      writeFileSync(
        meta,
        readFileSync(meta, "utf8").replace('"timezone": "America/New_York"', '"timezone": "Mars/Olympus"'),
      );
    });
    expect(diagnostics(bad.stderr)).toEqual([
      `${path.join(bad.seriesDir, "series.json")}:7:3: timezone: not an IANA timezone`,
    ]);
    const broken = await build((dir) => {
      const meta = path.join(dir, "series.json");
      writeFileSync(meta, readFileSync(meta, "utf8").replace('"title": "Fixture Four",', '"title": "Fixture Four"'));
    });
    // The message is V8's own (its wording varies between Node versions); the position is ours to get right.
    expect(diagnostics(broken.stderr)).toHaveLength(1);
    const [line] = diagnostics(broken.stderr);
    expect(line!.startsWith(`${path.join(broken.seriesDir, "series.json")}:4:3: `)).toBe(true);
    expect(line).toContain("JSON");
  });

  const withRule = (rule: string) =>
    build((dir) => {
      const meta = path.join(dir, "series.json");
      writeFileSync(
        meta,
        readFileSync(meta, "utf8").replace(
          '"timezone": "America/New_York"',
          `"timezone": "America/New_York",\n  "reengage": ${rule}`,
        ),
      );
    });

  it.for([
    [
      '{ "afterParts": 1, "graceDays": 7 }',
      "reengage.afterParts: at least 2: asking after every part would mail the question as often as the story",
    ],
    ['{ "afterParts": 4, "graceDays": "7" }', "reengage.graceDays: a whole number of days, e.g. 7"],
    ['{ "afterParts": 4.5, "graceDays": 7 }', "reengage.afterParts: a whole number of parts, e.g. 4"],
    ['{ "afterParts": 4, "graceDays": 0 }', "reengage.graceDays: at least 1 day to answer"],
    ['{ "afterParts": 4, "graceDays": 7, "countOpens": "yes" }', "reengage.countOpens: true or false"],
    ['{ "afterParts": 4, "grace": 7 }', "reengage.graceDays: a whole number of days, e.g. 7"],
  ] as const)("the Still reading? rule %s → %s", async ([rule, message], { expect }) => {
    const { status, stderr, seriesDir } = await withRule(rule);
    expect(status).toBe(1);
    expect(diagnostics(stderr)).toContain(`${path.join(seriesDir, "series.json")}:8:3: ${message}`);
  });

  it("names an unknown key of the rule", async ({ expect }) => {
    const { stderr, seriesDir } = await withRule('{ "afterParts": 4, "graceDays": 7, "after": 2 }');
    expect(diagnostics(stderr)).toEqual([`${path.join(seriesDir, "series.json")}:8:3: reengage.after: unknown key`]);
  });

  it("compiles a good rule with its email (countOpens off unless said), and a series without one as before", async ({
    expect,
  }) => {
    const { status, stderr, wrote, seriesDir } = await withRule('{ "afterParts": 4, "graceDays": 7 }');
    expect(status, stderr).toBe(0);
    expect(wrote).toBe(true);
    const catalog = JSON.parse(readFileSync(path.join(seriesDir, "../../catalog.json"), "utf8")) as {
      series: {
        reengage?: {
          afterParts: number;
          graceDays: number;
          countOpens: boolean;
          email: { subject: string; text: string };
        };
      }[];
    };
    const rule = catalog.series[0]!.reengage!;
    expect(rule).toMatchObject({
      afterParts: 4,
      graceDays: 7,
      countOpens: false,
      email: { subject: "Still reading Fixture Four?" },
    });
    expect(rule.email.text).toContain("Yes, keep sending: {{{keep_url}}}");
    expect(rule.email.text).toContain("within 7 days");

    const plain = await build(() => {});
    expect(
      JSON.parse(readFileSync(path.join(plain.seriesDir, "../../catalog.json"), "utf8")).series[0],
    ).not.toHaveProperty("reengage");
  });
});

/** Adds `publish: <value>` to a part of fixture-four (America/New_York), as line 6, after its `date`. */
const publishIn = (dir: string, file: string, value: string) => {
  const target = path.join(dir, file);
  writeFileSync(target, readFileSync(target, "utf8").replace(/^(date: .*\n)/m, `$1publish: ${value}\n`));
};

describe.concurrent("parts written ahead: the build checks `publish` and says which parts are scheduled", () => {
  const zone = "America/New_York";
  const format = (value: string) =>
    `publish "${value}": expected YYYY-MM-DD or YYYY-MM-DDTHH:MM (in the series' time zone, ${zone}) or an instant with its offset (YYYY-MM-DDTHH:MM+01:00, …Z)`;
  it.for([
    ["2027-02-30", format("2027-02-30")],
    ["next tuesday", format("next tuesday")],
    ['"2027-01-15T25:00"', format("2027-01-15T25:00")],
    ["2027-01-15T09:00+15:00", format("2027-01-15T09:00+15:00")],
    [
      "2027-03-14T02:30",
      `publish "2027-03-14T02:30": that time does not exist in ${zone} (the clocks skip it); choose another, or write the instant with its offset`,
    ],
    [
      "2027-11-07T01:30",
      `publish "2027-11-07T01:30": that time happens twice in ${zone} (the clocks go back); write the instant with its offset`,
    ],
  ] as const)("publish: %s is refused at its line", async ([value, message], { expect }) => {
    const { status, stderr, seriesDir, wrote } = await build((dir) => publishIn(dir, "02-fixture-part-2.md", value));
    expect(status).toBe(1);
    expect(diagnostics(stderr)).toEqual([`${path.join(seriesDir, "02-fixture-part-2.md")}:6:1: ${message}`]);
    expect(wrote).toBe(false);
  });

  it("a release before the release of an earlier part is refused: parts are released in order", async ({ expect }) => {
    const { status, stderr, seriesDir } = await build((dir) => {
      publishIn(dir, "02-fixture-part-2.md", "2099-02-01");
      publishIn(dir, "03-fixture-part-3.md", "2099-01-15T09:00");
    });
    expect(status).toBe(1);
    expect(diagnostics(stderr)).toEqual([
      `${path.join(seriesDir, "03-fixture-part-3.md")}:6:1: publish 2099-01-15 09:00 ${zone} is before the release of part 2 (02-fixture-part-2.md, 2099-02-01 00:00 ${zone}): parts are released in order`,
    ]);
  });

  it("an archive other than public or subscribers is refused at its key", async ({ expect }) => {
    const { status, stderr, seriesDir } = await build((dir) => {
      const meta = path.join(dir, "series.json");
      writeFileSync(meta, readFileSync(meta, "utf8").replace('"author"', '"archive": "members",\n  "author"'));
    });
    expect(status).toBe(1);
    expect(diagnostics(stderr)).toEqual([
      `${path.join(seriesDir, "series.json")}:6:3: archive: Invalid option: expected one of "public"|"subscribers"`,
    ]);
  });

  it("reads each form in the series' time zone unless it names its offset, and lists the parts still ahead", async ({
    expect,
  }) => {
    const { status, stdout, seriesDir, out } = await build((dir) => {
      publishIn(dir, "01-fixture-part-1.md", "2026-01-05T09:00:00Z"); // long past: out, not listed
      publishIn(dir, "02-fixture-part-2.md", '"2099-01-15" # midnight in New York');
      publishIn(dir, "03-fixture-part-3.md", "2099-07-01T09:30");
    });
    expect(status).toBe(0);
    const parts = (JSON.parse(readFileSync(out, "utf8")) as { series: { parts: { publishAt?: string }[] }[] })
      .series[0]!.parts;
    expect(parts.map((part) => part.publishAt)).toEqual([
      "2026-01-05T09:00:00.000Z",
      "2099-01-15T05:00:00.000Z", // EST, UTC-5
      "2099-07-01T13:30:00.000Z", // EDT, UTC-4
      "2099-07-01T13:30:00.000Z", // part 4 has no publish: it goes out with part 3
    ]);
    expect(stdout.split("\n").filter((line) => line.includes(": scheduled: "))).toEqual([
      `${path.join(seriesDir, "02-fixture-part-2.md")}:6:1: scheduled: part 2 "Fixture part 2" is released at 2099-01-15 00:00 ${zone} (2099-01-15T05:00:00.000Z)`,
      `${path.join(seriesDir, "03-fixture-part-3.md")}:6:1: scheduled: part 3 "Fixture part 3" is released at 2099-07-01 09:30 ${zone} (2099-07-01T13:30:00.000Z)`,
      `${path.join(seriesDir, "04-fixture-part-4.md")}:1:1: scheduled: part 4 "Fixture part 4" is released with part 3 at 2099-07-01 09:30 ${zone} (2099-07-01T13:30:00.000Z)`,
    ]);
  });

  it("an instant with an offset is that instant, and the same wall time twice in a fall-back night is fine with one", async ({
    expect,
  }) => {
    const { status, out } = await build((dir) => {
      publishIn(dir, "02-fixture-part-2.md", "2027-11-07T01:30-04:00");
      publishIn(dir, "03-fixture-part-3.md", "2027-11-07T01:30-05:00");
    });
    expect(status).toBe(0);
    const parts = (JSON.parse(readFileSync(out, "utf8")) as { series: { parts: { publishAt?: string }[] }[] })
      .series[0]!.parts;
    expect(parts.slice(1, 3).map((part) => part.publishAt)).toEqual([
      "2027-11-07T05:30:00.000Z",
      "2027-11-07T06:30:00.000Z",
    ]);
  });
});

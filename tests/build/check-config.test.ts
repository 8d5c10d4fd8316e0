import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { productionToml } from "../fixtures/production-wrangler-toml";

/** `npm run check:config` as an operator runs it before a deploy: the script, its output and its exit code. */
const root = path.resolve(import.meta.dirname, "../..");
const dir = mkdtempSync(path.join(os.tmpdir(), "nextpart-check-config-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ready = productionToml;

function checkConfig(toml: string) {
  const file = path.join(dir, `wrangler-${Math.random().toString(36).slice(2)}.toml`);
  writeFileSync(file, toml);
  const run = spawnSync(process.execPath, ["--import", "tsx", "scripts/check-config.ts", file], {
    cwd: root,
    encoding: "utf8",
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe("npm run check:config and Turnstile", () => {
  it("without Turnstile: a loud warning, and the deploy is not blocked (exit 0)", () => {
    const run = checkConfig(ready);
    expect(run.stdout).toContain("wrangler.toml: ready for production.");
    expect(run.stderr).toContain("!!! WARNING: Turnstile is off: signups are not checked for bots");
    expect(run.status).toBe(0);
  });

  it("with Turnstile's site key set: no warning, its secret listed as one to set", () => {
    const run = checkConfig(ready.replace("[vars]", '[vars]\nTURNSTILE_SITE_KEY = "0x4AAAAAAA-site-key"'));
    expect(run.stderr).not.toContain("WARNING");
    expect(run.stdout).toContain("wrangler secret put TURNSTILE_SECRET");
    expect(run.status).toBe(0);
  });
});

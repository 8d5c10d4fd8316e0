import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { testBindings } from "./tests/setup/test-bindings.ts";

const root = import.meta.dirname;
const at = (file: string) => path.join(root, file);
/** Builds the emails catalogs when missing or stale: no `pretest` step to remember. */
const catalogs = at("tests/setup/build-catalogs.ts");

/**
 * Every test suite, one project each: `npx vitest run <file>` finds a file's project by its path;
 * `--project <name>` picks suites (npm test runs them one after the other, as the 2-core machines need).
 */
export default defineConfig({
  test: {
    // A wrangler dev (browser project) may take this long to stop.
    teardownTimeout: 30_000,
    projects: [
      {
        // Real D1 with the migrations, real Queues, the resend SDK against a local mock: in workerd.
        plugins: [
          cloudflareTest(async () => ({
            wrangler: { configPath: at("wrangler.toml") },
            miniflare: {
              bindings: { ...testBindings, TEST_MIGRATIONS: await readD1Migrations(at("db/migrations")) },
            },
          })),
        ],
        resolve: {
          // Tests see the sample series plus fixture series (tests/fixtures/series), built by build-catalogs.ts.
          alias: [{ find: /^.*\/emails\/dist\/catalog\.json$/, replacement: at("tests/.generated/catalog.json") }],
        },
        test: {
          name: "worker",
          include: ["tests/**/*.test.{ts,tsx}"],
          // Node-side tests are the other projects: the build, the CLI, real processes (Chromium, npm start).
          exclude: ["tests/browser/**", "tests/build/**", "tests/cli/**", "tests/local/**"],
          setupFiles: [at("tests/setup/apply-migrations.ts")],
          globalSetup: [catalogs, at("tests/setup/global-setup.ts")],
        },
      },
      {
        // The email build (scripts/build-emails.tsx) run as authors run it: plain Node, no workerd.
        test: {
          name: "build",
          environment: "node",
          include: ["tests/build/**/*.test.ts"],
          testTimeout: 60_000,
          globalSetup: [catalogs],
        },
      },
      {
        // The admin CLI run as a child process against a mock of the admin API on 127.0.0.1.
        test: {
          name: "cli",
          environment: "node",
          include: ["tests/cli/**/*.test.ts"],
          testTimeout: 30_000,
          // Each test spawns a Node process: a few at a time on a 2-core machine.
          maxConcurrency: 3,
        },
      },
      {
        // Each file starts its own `wrangler dev` (fresh local D1) and drives Chromium; tests/local: `npm start`.
        test: {
          name: "browser",
          environment: "node",
          include: ["tests/browser/**/*.test.ts", "tests/local/**/*.test.ts"],
          // wrangler dev + Chromium are heavy on a 2-core machine: one file at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          // beforeAll may migrate D1 and start wrangler dev (up to 60 s on its own).
          hookTimeout: 180_000,
          globalSetup: [catalogs],
        },
      },
    ],
  },
});

import path from "node:path";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

/** The admin CLI run as a child process (plain Node) against a mock of the admin API on 127.0.0.1. */
export default defineConfig({
  root,
  test: {
    environment: "node",
    include: ["tests/cli/**/*.test.ts"],
    testTimeout: 30_000,
    // Each test spawns a Node process: a few at a time on a 2-core machine.
    maxConcurrency: 3,
  },
});

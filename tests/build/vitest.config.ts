import path from "node:path";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

/** The email build (scripts/build-emails.tsx) run as authors run it: plain Node, no workerd. */
export default defineConfig({
  root,
  test: {
    environment: "node",
    include: ["tests/build/**/*.test.ts"],
    testTimeout: 60_000,
  },
});

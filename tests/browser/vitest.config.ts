import path from "node:path";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "../..");

/**
 * Real-browser end-to-end tests: plain Node (no workerd plugin). Each file starts its own `wrangler dev`
 * on a free port with a fresh local D1 and drives Chromium (playwright-core, /usr/bin/chromium).
 */
export default defineConfig({
  root,
  test: {
    environment: "node",
    // tests/local: `npm start` itself (signals, a taken port), also real processes.
    include: ["tests/browser/**/*.test.ts", "tests/local/**/*.test.ts"],
    // wrangler dev + Chromium are heavy on a 2-core machine: one file at a time.
    fileParallelism: false,
    testTimeout: 120_000,
    // beforeAll may build the emails, migrate D1 and start wrangler dev (up to 60 s on its own).
    hookTimeout: 180_000,
    teardownTimeout: 30_000,
  },
});

import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const root = path.resolve(import.meta.dirname, "..");

/** Values every test sees; they override .dev.vars, which must never leak into tests. */
export const testBindings = {
  ADMIN_TOKEN: "test-admin-token",
  // A ring as after one rotation: "t2" signs, "t1" still verifies.
  SIGNING_KEYS: "t2:test-signing-key-t2-0123456789abcdef,t1:test-signing-key-t1-0123456789abcdef",
  HASH_SECRET: "test-hash-secret-0123456789abcdefgh",
  RESEND_API_KEY: "",
  PUBLIC_URL: "https://news.example.com",
  UNSUBSCRIBE_MAILTO: "unsubscribe@example.com",
  TURNSTILE_SECRET: "",
  PROVIDER_RPS: "0",
  // Every test signs up at example.com: the hourly caps are tested with their own values (signup-mailbox.test.ts).
  CONFIRMATIONS_PER_DOMAIN_PER_HOUR: "1000000",
  CONFIRMATIONS_PER_HOUR: "1000000",
  // A local run: mail without RESEND_API_KEY goes to the outbox table (a deployed Worker refuses that).
  LOCAL_OUTBOX: "1",
  RESEND_WEBHOOK_SECRET: "whsec_dGVzdC13ZWJob29rLXNlY3JldC0wMTIzNDU2Nzg5YWJjZGVm",
};

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(root, "db/migrations"));
  return {
    root,
    plugins: [
      cloudflareTest({
        wrangler: { configPath: path.join(root, "wrangler.toml") },
        miniflare: { bindings: { ...testBindings, TEST_MIGRATIONS: migrations } },
      }),
    ],
    resolve: {
      // Tests see the sample series plus fixture series (tests/fixtures/series), built by `npm test`'s pretest.
      alias: [
        { find: /^.*\/emails\/dist\/catalog\.json$/, replacement: path.join(root, "tests/.generated/catalog.json") },
      ],
    },
    test: {
      include: ["tests/**/*.test.{ts,tsx}"],
      // Node-side tests run elsewhere: the build (tests/build) and real processes (Chromium, npm start).
      exclude: ["tests/browser/**", "tests/build/**", "tests/cli/**", "tests/local/**"],
      setupFiles: [path.join(root, "tests/setup/apply-migrations.ts")],
      globalSetup: [path.join(root, "tests/setup/global-setup.ts")],
    },
  };
});

import { applyD1Migrations } from "cloudflare:test";
import { env } from "cloudflare:workers";

// Runs before every test file: the schema exactly as `wrangler d1 migrations apply` would build it.
await applyD1Migrations(env.DB, env.TEST_MIGRATIONS);

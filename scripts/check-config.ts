import { readFileSync } from "node:fs";
import path from "node:path";
import { checkProductionConfig, RETIRED_SECRETS, SECRETS } from "./production-config";

/**
 * `npm run check:config [path/to/wrangler.toml]` (before a deploy): is wrangler.toml ready? Secrets are checked too
 * when given as environment variables (e.g. in CI); otherwise they are listed as what to set with `wrangler secret put`.
 */
const root = path.resolve(import.meta.dirname, "..");
const toml = readFileSync(process.argv[2] ?? path.join(root, "wrangler.toml"), "utf8");
const secrets = Object.fromEntries(
  [...SECRETS, ...RETIRED_SECRETS]
    .filter((name) => process.env[name] !== undefined)
    .map((name) => [name, process.env[name]!]),
);
const { problems, warnings, unchecked } = checkProductionConfig(toml, secrets);
if (problems.length === 0) console.log("wrangler.toml: ready for production.");
else console.log(`wrangler.toml is not ready for production:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
// Loud, not blocking: a deploy without them works, but someone should decide that on purpose.
for (const warning of warnings) console.warn(`\n!!! WARNING: ${warning}\n`);
if (unchecked.length > 0) {
  console.log(
    `Secrets to set in Cloudflare (not checked here): ${unchecked.map((name) => `wrangler secret put ${name}`).join(", ")}`,
  );
  console.log(
    '  SIGNING_KEYS: "k1:<32+ random characters>" (docs/operations.md: rotating a signing key); HASH_SECRET: 32+ random characters,',
  );
  console.log("  never changed; ADMIN_TOKEN: 32+ characters; RESEND_API_KEY and");
  console.log(
    "  RESEND_WEBHOOK_SECRET (whsec_…): from resend.com (without the latter, bounces and complaints are not heard).",
  );
}
process.exit(problems.length === 0 ? 0 : 1);

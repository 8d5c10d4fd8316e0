import { existsSync, readFileSync } from "node:fs";
import path from "node:path";

/**
 * The admin token: NEXTPART_ADMIN_TOKEN, else the `ADMIN_TOKEN=` line of .dev.vars in the working directory
 * (what `npm start` wrote). Anchored at the line start: the file's comments mention ADMIN_TOKEN too.
 */
export function readAdminToken(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): string | undefined {
  const fromEnv = env.NEXTPART_ADMIN_TOKEN?.trim();
  if (fromEnv) return fromEnv;
  const devVars = path.join(cwd, ".dev.vars");
  if (!existsSync(devVars)) return undefined;
  const value = /^ADMIN_TOKEN=(.*)$/m.exec(readFileSync(devVars, "utf8"))?.[1]?.trim();
  // .dev.vars may quote values (wrangler accepts both).
  return value?.replace(/^(["'])(.*)\1$/, "$2") || undefined;
}

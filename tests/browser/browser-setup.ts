import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import path from "node:path";
import { type Browser, chromium } from "playwright-core";

/** What every browser test shares: Debian's Chromium (never a downloaded browser), its flags, sizes, secrets. */
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
export const hasChromium = existsSync(CHROMIUM);
export const screenshots = path.resolve(import.meta.dirname, "screenshots");
export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };

/** Fresh secrets for the test's own `wrangler dev` (passed as --var: a developer's .dev.vars never leaks in). */
export const ADMIN_TOKEN = `browser-admin-${randomBytes(12).toString("hex")}`;
export const SIGNING_KEYS = `b1:browser-signing-${randomBytes(16).toString("hex")}`;
export const HASH_SECRET = `browser-hash-${randomBytes(16).toString("hex")}`;

/** Headless and quiet: no GPU, no sandbox (containers), nothing that phones home. */
export const launchChromium = (): Promise<Browser> =>
  chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless=new",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-dev-shm-usage",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
    ],
  });

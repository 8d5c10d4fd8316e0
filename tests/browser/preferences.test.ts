import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ADMIN_TOKEN,
  CHROMIUM,
  HASH_SECRET,
  hasChromium,
  launchChromium,
  PHONE,
  screenshots,
  SIGNING_KEYS,
  DESKTOP,
} from "./browser-setup";
import { applyLocalMigrations, freePort, startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import type { OutboxMessage } from "../../worker/mail/list-outbox";

/**
 * A reader's preference page in a real browser, against `wrangler dev` with a fresh local D1, the outbox mailer
 * and the test series (fixture-four: four parts, a day apart): open part 1's footer link, ask for part 2 now,
 * pause, see the next cycle send nothing, resume, get part 2. Screenshots at phone and desktop widths.
 */

const root = path.resolve(import.meta.dirname, "../..");
const READER = { email: "reader+prefs@example.com", name: "Ada" };

/** The Worker's catalog with the test series, built where wrangler reads it; the default one is put back after. */
function buildCatalog(withFixtures: boolean) {
  const args = [
    "tsx",
    "scripts/build-emails.tsx",
    ...(withFixtures ? ["--series-dir", "emails/series", "--series-dir", "tests/fixtures/series"] : []),
  ];
  const build = spawnSync("npx", args, { cwd: root, encoding: "utf8" });
  if (build.status !== 0) throw new Error(`building emails failed:\n${build.stdout}\n${build.stderr}`);
}

const describeBrowser = hasChromium ? describe : describe.skip;
const title = hasChromium
  ? "a reader's preference page in a real browser (Chromium)"
  : `a reader's preference page — SKIPPED: Chromium not found at ${CHROMIUM}: apt-get install -y chromium`;

describeBrowser(title, () => {
  let worker: LocalWorker | undefined;
  let browser: Browser | undefined;
  let phone: BrowserContext;
  let persistTo: string | undefined;
  let baseUrl = "";
  const problems: string[] = [];

  const admin = (pathname: string, init: RequestInit = {}) =>
    fetch(`${baseUrl}${pathname}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: "application/json", ...(init.headers ?? {}) },
    });

  async function outbox(): Promise<OutboxMessage[]> {
    const res = await admin(`/admin/api/outbox?${new URLSearchParams({ to: READER.email, limit: "200" })}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: OutboxMessage[] }).data;
  }

  async function waitForEmail(subject: string, timeoutMs = 15_000): Promise<OutboxMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await outbox()).find((message) => message.subject.includes(subject));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no email "${subject}" in the outbox after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** What the cron does every minute: one delivery cycle, now. */
  async function cycle(): Promise<{ sent: number }> {
    const res = await admin("/admin/api/send", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { sent: number };
  }

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshots, name), fullPage: true });

  async function expectNoHorizontalScroll(page: Page, width: number) {
    const scrollWidth = await page.evaluate<number>("document.documentElement.scrollWidth");
    expect(scrollWidth, `${page.url()} is ${scrollWidth}px wide on a ${width}px screen`).toBeLessThanOrEqual(width);
  }

  /** Presses a button of the page and waits for the page its POST answers with. */
  async function pressButton(page: Page, name: string) {
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url().startsWith(`${baseUrl}/prefs/`) && r.request().method() === "POST"),
      page.getByRole("button", { name, exact: true }).click(),
    ]);
    await page.waitForLoadState("load");
    return answer;
  }

  function watch(page: Page) {
    page.on("pageerror", (error) => problems.push(`pageerror on ${page.url()}: ${error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" && !/favicon/.test(message.location().url))
        problems.push(`console error on ${page.url()}: ${message.text()}`);
    });
  }

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    buildCatalog(true);
    persistTo = mkdtempSync(path.join(os.tmpdir(), "nextpart-prefs-"));
    applyLocalMigrations(persistTo);
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const vars = {
      ADMIN_TOKEN,
      SIGNING_KEYS,
      HASH_SECRET,
      RESEND_API_KEY: "",
      TURNSTILE_SECRET: "",
      TURNSTILE_SITE_KEY: "",
      PUBLIC_URL: baseUrl,
      PROVIDER_RPS: "0",
    };
    const [started, launched] = await Promise.allSettled([
      startLocalWorker({ port, persistTo, verbose: process.env.BROWSER_TEST_VERBOSE === "1", vars }),
      launchChromium(),
    ]);
    if (started.status === "fulfilled") worker = started.value;
    if (launched.status === "fulfilled") browser = launched.value;
    if (started.status === "rejected") throw started.reason;
    if (launched.status === "rejected") throw launched.reason;
    phone = await browser!.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    // Hermetic: only the Worker may be reached.
    await phone.route("**/*", (route) =>
      new URL(route.request().url()).hostname === "127.0.0.1" ? route.continue() : route.abort(),
    );
    phone.on("page", watch);
  });

  afterAll(async () => {
    if (problems.length > 0) console.warn(`browser problems:\n  ${problems.join("\n  ")}`);
    await browser?.close().catch(() => {});
    await worker?.stop().catch(() => {});
    if (persistTo) rmSync(persistTo, { recursive: true, force: true });
    buildCatalog(false);
  });

  it("opens part 1's preference link, asks for part 2, pauses (the next cycle sends nothing), resumes (part 2 arrives)", async () => {
    // Sign up to the test series and confirm from the email, as a reader would.
    const page = await phone.newPage();
    await page.goto(`${baseUrl}/s/fixture-four`);
    await page.getByLabel("Email address").fill(READER.email);
    await page.getByLabel("First name").fill(READER.name);
    await Promise.all([
      page.waitForResponse((r) => r.url() === `${baseUrl}/subscribe`),
      page.getByRole("button", { name: "Subscribe" }).click(),
    ]);
    const confirmation = await waitForEmail("Confirm your subscription");
    await page.goto(/href="([^"]+\/confirm\/[^"]+)"/.exec(confirmation.html)![1]!.replace(/&amp;/g, "&"));
    await Promise.all([
      page.waitForResponse((r) => r.request().method() === "POST"),
      page.getByRole("button", { name: "Confirm my subscription" }).click(),
    ]);
    await page.getByRole("heading", { name: "You are subscribed" }).waitFor();
    expect(await page.getByRole("link", { name: "your preferences" }).getAttribute("href")).toMatch(
      /^\/prefs\/s\.b1\./,
    );

    // Part 1, and its footer's link.
    expect((await cycle()).sent).toBe(1);
    const part1 = await waitForEmail("Fixture Four, part 1");
    await page.setContent(part1.html, { waitUntil: "load" });
    const link = page.getByRole("link", { name: "Your preferences" });
    const href = (await link.getAttribute("href"))!;
    expect(href).toMatch(new RegExp(`^${baseUrl}/prefs/b1\\.[A-Za-z0-9_-]{8}\\.[A-Za-z0-9_-]{22}$`));
    await page.goto(href);
    await page.getByRole("heading", { level: 1, name: "Your preferences" }).waitFor();
    expect(await page.locator("main").textContent()).toContain(`Hi ${READER.name}.`);
    expect(await page.getByRole("link", { name: "Fixture part 1" }).count()).toBe(1);
    expect(await page.locator("p.status").textContent()).toMatch(/^Next: part 2, “Fixture part 2”, on /);
    await expectNoHorizontalScroll(page, PHONE.width);
    await shot(page, "prefs-01-phone.png");

    // Part 2 now: due at once, sent by the cycle, not by the press.
    expect((await pressButton(page, "Send me part 2 now")).status()).toBe(200);
    expect(await page.getByRole("status").textContent()).toContain("Done: part 2 is on its way.");
    // …but the reader pauses before the next tick: it sends nothing.
    expect((await pressButton(page, "A week")).status()).toBe(200);
    expect(await page.getByRole("status").textContent()).toMatch(
      /^Paused until .+: then delivery picks up where you left off\./,
    );
    expect(await page.getByRole("button", { name: "Resume now" }).count()).toBe(1);
    await expectNoHorizontalScroll(page, PHONE.width);
    await shot(page, "prefs-02-paused-phone.png");
    expect((await cycle()).sent).toBe(0);
    expect((await outbox()).filter((mail) => mail.subject.includes("part 2"))).toEqual([]);

    // Resume: the part that was due goes with the next cycle.
    expect((await pressButton(page, "Resume now")).status()).toBe(200);
    expect(await page.getByRole("status").textContent()).toContain(
      "Welcome back: delivery picks up where you left off.",
    );
    expect((await cycle()).sent).toBe(1);
    await waitForEmail("Fixture Four, part 2");
    await page.goto(href);
    expect(await page.locator("main").textContent()).toContain("The 2 parts you received");
    await expectNoHorizontalScroll(page, PHONE.width);
    await shot(page, "prefs-03-phone.png");

    // The same page at desktop width.
    const desktop = await browser!.newContext({ viewport: DESKTOP });
    await desktop.route("**/*", (route) =>
      new URL(route.request().url()).hostname === "127.0.0.1" ? route.continue() : route.abort(),
    );
    const wide = await desktop.newPage();
    watch(wide);
    await wide.goto(href);
    await wide.getByRole("heading", { level: 1, name: "Your preferences" }).waitFor();
    await expectNoHorizontalScroll(wide, DESKTOP.width);
    await shot(wide, "prefs-03-desktop.png");
    await desktop.close();

    expect(problems).toEqual([]);
  });
});

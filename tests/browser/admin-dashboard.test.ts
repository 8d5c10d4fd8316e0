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
import {
  applyLocalMigrations,
  executeLocalSql,
  freePort,
  startLocalWorker,
  type LocalWorker,
} from "../../scripts/local-worker";

/**
 * The admin dashboard in a real browser, against `wrangler dev` with a fresh local D1 holding a little history:
 * sign in, read the funnel, dry run then send, pause and resume a series, find a reader; at desktop and phone widths.
 */

const SERIES = "origins-of-lead-change";
const SERIES_TITLE = "Origins of Lead Change";
/** Readers due now (they get part 1 from "Send now"), one of them with a name that is markup. */
const DUE = 4;
const HOSTILE_NAME = "<script>window.__pwned = 1</script>";

/** A little history so the funnel has something to draw: the part's counters, readers due now. */
const seedSql = `
INSERT INTO part_stats (series, part_id, sent, delivered, opened, human_clicks, scanner_clicks, responses, unsubscribes, bounces, complaints)
  VALUES ('${SERIES}', 'the-opportunity', 120, 114, 80, 41, 9, 12, 3, 2, 0);
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ${DUE})
  INSERT INTO subscribers (email, email_key, name, status, created_at, updated_at, confirmed_at)
  SELECT 'due' || i || '@example.com', 'due' || i || '@example.com', CASE i WHEN 1 THEN '${HOSTILE_NAME}' ELSE 'Reader ' || i END, 'active',
    unixepoch() * 1000 - i * 86400000, 0, 0 FROM n;
INSERT INTO subscriptions (subscriber_id, series, status, next_part, due_at, created_at, updated_at)
  SELECT id, '${SERIES}', 'active', 1, 0, 0, 0 FROM subscribers WHERE email_key LIKE 'due%';
INSERT INTO subscribers (email, email_key, name, status, created_at, updated_at) VALUES ('pending@example.com', 'pending@example.com', 'Pat', 'pending', unixepoch() * 1000, 0);
INSERT INTO subscriptions (subscriber_id, series, status, next_part, created_at, updated_at)
  SELECT id, '${SERIES}', 'pending', 1, 0, 0 FROM subscribers WHERE email_key = 'pending@example.com';
`;

if (!hasChromium)
  console.warn(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (skipping the dashboard browser test)`);

const describeBrowser = hasChromium ? describe : describe.skip;
const title = hasChromium
  ? "the admin dashboard in a real browser (Chromium, desktop and phone)"
  : `the admin dashboard in a real browser — SKIPPED: Chromium not found at ${CHROMIUM}: apt-get install -y chromium`;

describeBrowser(title, () => {
  let worker: LocalWorker | undefined;
  let browser: Browser | undefined;
  let persistTo: string | undefined;
  let baseUrl = "";
  /** JavaScript errors, console errors (CSP violations among them) and requests that tried to leave 127.0.0.1. */
  const problems: string[] = [];

  const shot = (page: Page, name: string) => page.screenshot({ path: path.join(screenshots, name), fullPage: true });

  async function expectNoHorizontalScroll(page: Page, width: number) {
    const scrollWidth = await page.evaluate<number>("document.documentElement.scrollWidth");
    expect(scrollWidth, `page ${page.url()} is ${scrollWidth}px wide on a ${width}px screen`).toBeLessThanOrEqual(
      width,
    );
  }

  async function newContext(viewport: { width: number; height: number }, phone: boolean): Promise<BrowserContext> {
    const context = await browser!.newContext({
      viewport,
      deviceScaleFactor: phone ? 2 : 1,
      isMobile: phone,
      hasTouch: phone,
    });
    await context.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1" || url.protocol === "about:" || url.protocol === "data:")
        return route.continue();
      problems.push(`request to the outside: ${url}`);
      return route.abort();
    });
    context.on("page", (page) => {
      page.on("pageerror", (error) => problems.push(`pageerror on ${page.url()}: ${error.message}`));
      page.on("console", (message) => {
        // Chromium logs every non-2xx page load; the wrong token's 401 and the wrong erase confirmation's 400 we ask for.
        const expected =
          /favicon/.test(message.location().url) ||
          /status of 401/.test(message.text()) ||
          (/status of 400/.test(message.text()) && /\/admin\/readers\/\d+\/erase$/.test(page.url()));
        if (message.type() === "error" && !expected) problems.push(`console error on ${page.url()}: ${message.text()}`);
      });
    });
    return context;
  }

  async function signIn(page: Page, token = ADMIN_TOKEN) {
    await page.getByLabel("Admin token").fill(token);
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Sign in" }).click()]);
  }

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    persistTo = mkdtempSync(path.join(os.tmpdir(), "nextpart-dashboard-"));
    applyLocalMigrations(persistTo);
    executeLocalSql(seedSql, persistTo);
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    const starting = startLocalWorker({
      port,
      persistTo,
      verbose: process.env.BROWSER_TEST_VERBOSE === "1",
      vars: {
        ADMIN_TOKEN,
        SIGNING_KEYS,
        HASH_SECRET,
        RESEND_API_KEY: "",
        TURNSTILE_SECRET: "",
        TURNSTILE_SITE_KEY: "",
        PUBLIC_URL: baseUrl,
        PROVIDER_RPS: "0",
      },
    });
    const launching = launchChromium();
    const [startedWorker, startedBrowser] = await Promise.allSettled([starting, launching]);
    if (startedWorker.status === "fulfilled") worker = startedWorker.value;
    if (startedBrowser.status === "fulfilled") browser = startedBrowser.value;
    if (startedWorker.status === "rejected") throw startedWorker.reason;
    if (startedBrowser.status === "rejected") throw startedBrowser.reason;
  });

  afterAll(async () => {
    if (problems.length > 0) console.warn(`browser problems:\n  ${problems.join("\n  ")}`);
    await browser?.close().catch(() => {});
    await worker?.stop().catch(() => {});
    if (persistTo) rmSync(persistTo, { recursive: true, force: true });
  });

  it("desktop: sign in, read the funnel, dry run then send, pause and resume, find a reader", async () => {
    const context = await newContext(DESKTOP, false);
    const page = await context.newPage();

    // 1. Signed out: the dashboard sends us to sign in; a wrong token is explained, the right one lets us in.
    await page.goto(`${baseUrl}/admin`);
    expect(new URL(page.url()).pathname).toBe("/admin/sign-in");
    await shot(page, "admin-sign-in-desktop.png");
    await signIn(page, "not-the-token");
    expect(await page.getByRole("alert").textContent()).toContain("That is not the admin token.");
    await signIn(page);
    expect(new URL(page.url()).pathname).toBe("/admin");
    const [cookie] = await context.cookies();
    expect(cookie).toMatchObject({
      name: "__Secure-nextpart_admin",
      path: "/admin",
      httpOnly: true,
      secure: true,
      sameSite: "Strict",
    });

    // 2. The overview: the series' funnel, drawn on the server, with its text alternative.
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    const funnel = page.getByRole("img", { name: `Funnel of ${SERIES_TITLE}` });
    expect(await funnel.isVisible()).toBe(true);
    expect(await page.locator(`#funnel-${SERIES}-desc`).textContent()).toBe(
      "Part 1 · The Opportunity: sent 120, delivered 114, human clicks 41, responses 12, unsubscribes 3; 4 waiting.",
    );
    const box = await funnel.boundingBox();
    expect(box!.width).toBeGreaterThan(300);
    expect(await page.evaluate<unknown>("window.__pwned")).toBeUndefined();
    await expectNoHorizontalScroll(page, DESKTOP.width);
    await shot(page, "admin-overview-desktop.png");

    // 3. Dry run: what would go now, nothing sent; then send now.
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Dry run" }).click()]);
    await page.getByRole("heading", { level: 1, name: "Dry run: every series" }).waitFor();
    expect(await page.getByRole("status").textContent()).toBe(
      `${DUE} emails would go now (mailer: outbox). Nothing was sent.`,
    );
    await shot(page, "admin-dry-run-desktop.png");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Send now" }).click()]);
    await page.getByRole("heading", { level: 1, name: "Sent: every series" }).waitFor();
    expect(await page.getByRole("status").textContent()).toBe(`${DUE} emails sent (mailer: outbox).`);
    await shot(page, "admin-sent-desktop.png");

    // The funnel counts them; every reader now waits for a part that does not exist yet (caught up).
    await page.getByRole("link", { name: "Back to the overview" }).click();
    await page.getByRole("heading", { level: 1, name: "Overview" }).waitFor();
    expect(await page.locator(`#funnel-${SERIES}-desc`).textContent()).toContain(`sent ${120 + DUE}, delivered 114`);
    expect(await page.locator("#recent-deliveries ~ div tbody tr").count()).toBe(DUE);

    // 4. Pause and resume the series.
    await Promise.all([
      page.waitForLoadState("load"),
      page.getByRole("button", { name: `Pause ${SERIES_TITLE}` }).click(),
    ]);
    const notice = page.locator("p.notice[role=status]");
    expect(await notice.textContent()).toBe(
      `${SERIES_TITLE} is paused: paused from the dashboard. Resume it below once the cause is dealt with.`,
    );
    expect(await page.locator(`#series-${SERIES} .badge`).textContent()).toBe("Paused");
    await shot(page, "admin-paused-desktop.png");
    await Promise.all([
      page.waitForLoadState("load"),
      page.getByRole("button", { name: `Resume ${SERIES_TITLE}` }).click(),
    ]);
    expect(await notice.count()).toBe(0);
    expect(await page.locator(`#series-${SERIES} .badge`).textContent()).toBe("Sending");

    // 5. Find a reader: the hostile name is text.
    await page.getByLabel("Address or name").fill("due1@");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Find" }).click()]);
    const rows = page.locator("tbody tr");
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toContain(HOSTILE_NAME);
    expect(await rows.first().locator("div.position").textContent()).toBe(`${SERIES}active, next part 2`);
    expect(await page.evaluate<unknown>("window.__pwned")).toBeUndefined();
    await shot(page, "admin-readers-desktop.png");

    // 6. The outbox (the outbox mailer is active): one of the emails just sent, in its sandboxed frame.
    await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Outbox" }).click();
    await page.getByRole("heading", { level: 1, name: "Outbox" }).waitFor();
    await Promise.all([page.waitForLoadState("load"), page.locator("ol.mail a").first().click()]);
    const frame = page.frameLocator('iframe[title="Email"]');
    await frame.getByRole("heading", { name: "The Opportunity" }).waitFor();
    await shot(page, "admin-outbox-message-desktop.png");

    // 7. Sign out: the dashboard is closed again.
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Sign out" }).click()]);
    expect(new URL(page.url()).pathname).toBe("/admin/sign-in");
    expect(await context.cookies()).toEqual([]);
    await page.goto(`${baseUrl}/admin/readers`);
    expect(page.url()).toBe(`${baseUrl}/admin/sign-in?next=%2Fadmin%2Freaders`);

    await context.close();
    expect(problems).toEqual([]);
  });

  /** 1 consented (active), 1 pending (a confirmation email), 1 invalid address. */
  const IMPORT_CSV = [
    "email,name,consented_at,consent_source",
    "imported-consented@example.com,Connie,2026-01-31,newsletter form",
    "imported-pending@example.com,Penny,,",
    "not-an-address,Ivan,,",
  ].join("\n");

  async function importCsv(page: Page, name: string) {
    await page.goto(`${baseUrl}/admin/import`);
    await page.setInputFiles("#file", { name, mimeType: "text/csv", buffer: Buffer.from(IMPORT_CSV) });
    await Promise.all([
      page.waitForURL(/\/admin\/imports\/[0-9a-f-]{36}$/),
      page.getByRole("button", { name: "Import" }).click(),
    ]);
    // The job page reloads itself (meta refresh) until the queue has processed every row.
    await page.getByRole("heading", { level: 1, name: "Import report" }).waitFor({ timeout: 60_000 });
  }

  it("desktop: import a CSV, open a reader and erase them, preview a part and send a test", async () => {
    const context = await newContext(DESKTOP, false);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/admin/import`);
    await signIn(page);

    // 1. Import: the report says what happened to each row.
    await importCsv(page, "readers.csv");
    expect(await page.getByRole("status").textContent()).toBe("Done: 3 rows, 1 active, 1 pending, 1 skipped.");
    const reportRows = page.locator("table.report tbody tr");
    expect(await reportRows.count()).toBe(3);
    const outcomes = await Promise.all([0, 1, 2].map((i) => reportRows.nth(i).getAttribute("class")));
    expect(outcomes).toEqual(["outcome-active", "outcome-pending", "outcome-invalid"]);
    expect(await page.locator("tr.outcome-invalid").textContent()).toContain(
      "email: Please enter a valid email address",
    );
    await expectNoHorizontalScroll(page, DESKTOP.width);
    await shot(page, "admin-import-report-desktop.png");

    // 2. The reader page, from the readers list.
    await page.goto(`${baseUrl}/admin/readers?q=imported-consented`);
    await Promise.all([
      page.waitForLoadState("load"),
      page.getByRole("link", { name: "imported-consented@example.com" }).click(),
    ]);
    await page.getByRole("heading", { level: 1, name: "imported-consented@example.com" }).waitFor();
    expect(await page.locator("#consents-h").textContent()).toBe("Consent records (1)");
    expect(await page.locator(".position-card p.muted").first().textContent()).toContain("active, next part 1 of 1");
    await expectNoHorizontalScroll(page, DESKTOP.width);
    await shot(page, "admin-reader-desktop.png");

    // 3. Erase: the address typed back, then what went; they are gone from the list.
    await Promise.all([page.waitForLoadState("load"), page.getByRole("link", { name: "Erase…" }).click()]);
    await page.getByLabel("Type their address to confirm").fill("someone-else@example.com");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Erase this reader" }).click()]);
    expect(await page.getByRole("alert").textContent()).toBe("That is not this reader's address: nothing was erased.");
    await page.getByLabel("Type their address to confirm").fill("imported-consented@example.com");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Erase this reader" }).click()]);
    await page.getByRole("heading", { level: 1, name: "Reader erased" }).waitFor();
    expect(await page.getByRole("status").textContent()).toMatch(
      /^Reader \d+ was erased: \d+ rows deleted or unlinked\./,
    );
    await shot(page, "admin-erased-desktop.png");
    await page.goto(`${baseUrl}/admin/readers?q=imported-`);
    const listed = await page.locator("tbody tr td.wrap a").allTextContents();
    expect(listed).toEqual(["imported-pending@example.com"]);

    // 4. Preview a part, then send it as a test.
    await page.getByRole("navigation", { name: "Dashboard" }).getByRole("link", { name: "Preview" }).click();
    await page.getByLabel("Series").selectOption(SERIES);
    await Promise.all([
      page.waitForLoadState("load"),
      page.getByRole("button", { name: "Preview", exact: true }).click(),
    ]);
    const frame = page.frameLocator('iframe[title="Email preview"]');
    await frame.getByRole("heading", { name: "The Opportunity" }).waitFor();
    await expectNoHorizontalScroll(page, DESKTOP.width);
    await shot(page, "admin-preview-desktop.png");
    await page.getByLabel("Address").fill("tester@example.com");
    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Send a test" }).click()]);
    expect(await page.getByRole("status").textContent()).toMatch(/^Sent “\[Test\] .+” to tester@example\.com\.$/);
    expect(await page.evaluate<unknown>("window.__pwned")).toBeUndefined();

    await context.close();
    expect(problems).toEqual([]);
  });

  it("phone: every page fits 390 px without sideways scrolling", async () => {
    const context = await newContext(PHONE, true);
    const page = await context.newPage();
    await page.goto(`${baseUrl}/admin/readers`);
    await expectNoHorizontalScroll(page, PHONE.width);
    await shot(page, "admin-sign-in-phone.png");
    await signIn(page);
    // Back where we were going.
    expect(new URL(page.url()).pathname).toBe("/admin/readers");
    await expectNoHorizontalScroll(page, PHONE.width);
    await shot(page, "admin-readers-phone.png");

    await page.goto(`${baseUrl}/admin`);
    const funnel = page.getByRole("img", { name: `Funnel of ${SERIES_TITLE}` });
    const box = await funnel.boundingBox();
    // Drawn about 1:1 on a phone: its 11-unit text stays readable.
    expect(box!.width).toBeGreaterThan(300);
    await expectNoHorizontalScroll(page, PHONE.width);
    await shot(page, "admin-overview-phone.png");

    await Promise.all([page.waitForLoadState("load"), page.getByRole("button", { name: "Dry run" }).click()]);
    await page.getByRole("heading", { level: 1, name: "Dry run: every series" }).waitFor();
    expect(await page.getByRole("status").textContent()).toBe("Nothing is due right now: a send would send nothing.");
    await expectNoHorizontalScroll(page, PHONE.width);
    await shot(page, "admin-dry-run-phone.png");

    await page.goto(`${baseUrl}/admin/outbox`);
    await expectNoHorizontalScroll(page, PHONE.width);
    await shot(page, "admin-outbox-phone.png");

    await importCsv(page, "phone.csv");
    await expectNoHorizontalScroll(page, PHONE.width);
    await shot(page, "admin-import-report-phone.png");

    await page.goto(`${baseUrl}/admin/readers?q=imported-pending`);
    await Promise.all([
      page.waitForLoadState("load"),
      page.getByRole("link", { name: "imported-pending@example.com" }).click(),
    ]);
    await page.getByRole("heading", { level: 1, name: "imported-pending@example.com" }).waitFor();
    await expectNoHorizontalScroll(page, PHONE.width);
    await shot(page, "admin-reader-phone.png");

    await page.goto(`${baseUrl}/admin/preview?series=${SERIES}&part=1`);
    await page
      .frameLocator('iframe[title="Email preview"]')
      .getByRole("heading", { name: "The Opportunity" })
      .waitFor();
    await expectNoHorizontalScroll(page, PHONE.width);
    await shot(page, "admin-preview-phone.png");

    await context.close();
    expect(problems).toEqual([]);
  });
});

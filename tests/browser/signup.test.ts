import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Browser, BrowserContext, Locator, Page } from "playwright-core";
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
} from "./browser-setup";
import { applyLocalMigrations, freePort, startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import type { OutboxMessage } from "../../worker/mail/list-outbox";

/**
 * A reader's whole journey in a real browser, against `wrangler dev` with a fresh local D1 and the outbox
 * mailer: sign up on a phone, confirm from the email, get part 1, answer its call to action, unsubscribe from its
 * footer link.
 */

const READER = { email: "reader+browser@example.com", name: "Ada" };

if (!hasChromium) {
  console.warn(`Chromium not found at ${CHROMIUM}: apt-get install -y chromium (skipping the browser tests)`);
}

const describeBrowser = hasChromium ? describe : describe.skip;
const title = hasChromium
  ? "a reader in a real browser (Chromium, phone-sized)"
  : `a reader in a real browser — SKIPPED: Chromium not found at ${CHROMIUM}: apt-get install -y chromium`;

describeBrowser(title, () => {
  let worker: LocalWorker | undefined;
  let browser: Browser | undefined;
  let context: BrowserContext;
  let page: Page;
  let persistTo: string | undefined;
  let baseUrl = "";
  /** JavaScript errors and console errors from any page, and requests that tried to leave 127.0.0.1. */
  const problems: string[] = [];
  const blocked: string[] = [];

  const admin = (pathname: string, init: RequestInit = {}) =>
    fetch(`${baseUrl}${pathname}`, {
      ...init,
      headers: { authorization: `Bearer ${ADMIN_TOKEN}`, accept: "application/json", ...(init.headers ?? {}) },
    });

  async function outbox(to: string): Promise<OutboxMessage[]> {
    const res = await admin(`/admin/api/outbox?${new URLSearchParams({ to, limit: "200" })}`);
    expect(res.status).toBe(200);
    return ((await res.json()) as { data: OutboxMessage[] }).data;
  }

  /** The newest email to `to` whose subject contains `subject`, waiting a little for it to arrive. */
  async function waitForEmail(to: string, subject: string, timeoutMs = 15_000): Promise<OutboxMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = (await outbox(to)).find((message) => message.subject.includes(subject));
      if (found) return found;
      if (Date.now() > deadline) throw new Error(`no email "${subject}" to ${to} in the outbox after ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  const shot = (target: Page, name: string) =>
    target.screenshot({ path: path.join(screenshots, name), fullPage: true });

  /** Nothing wider than the phone: no sideways scrolling. */
  async function expectNoHorizontalScroll(target: Page) {
    const width = await target.evaluate<number>("document.documentElement.scrollWidth");
    expect(width, `page ${target.url()} is ${width}px wide on a ${PHONE.width}px screen`).toBeLessThanOrEqual(
      PHONE.width,
    );
  }

  /** Follow a link as a reader would; email links open in a new tab (target=_blank), site links in place. */
  async function follow(from: Page, link: Locator): Promise<Page> {
    if ((await link.getAttribute("target")) === "_blank") {
      const [opened] = await Promise.all([context.waitForEvent("page"), link.click()]);
      await opened.waitForLoadState("load");
      return opened;
    }
    const before = from.url();
    await link.click();
    await from.waitForURL((url) => url.toString() !== before);
    await from.waitForLoadState("load");
    return from;
  }

  function watch(target: Page) {
    target.on("pageerror", (error) => problems.push(`pageerror on ${target.url()}: ${error.message}`));
    target.on("console", (message) => {
      const where = message.location().url;
      // Chromium logs every non-2xx page load; the 400 for the invalid address is the one we ask for.
      const expected = /favicon/.test(where) || (where.endsWith("/subscribe") && /status of 400/.test(message.text()));
      if (message.type() === "error" && !expected) {
        problems.push(`console error on ${target.url()}: ${message.text()}`);
      }
    });
  }

  beforeAll(async () => {
    mkdirSync(screenshots, { recursive: true });
    persistTo = mkdtempSync(path.join(os.tmpdir(), "nextpart-browser-"));
    applyLocalMigrations(persistTo);
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    // --var flags override wrangler.toml [vars] and .dev.vars: the test never sees a developer's secrets.
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

    context = await browser!.newContext({ viewport: PHONE, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
    // Hermetic: the pages and emails may only reach the worker (the CTA goes to an outside site: never loaded).
    await context.route("**/*", (route) => {
      const url = new URL(route.request().url());
      if (url.hostname === "127.0.0.1") return route.continue();
      blocked.push(url.toString());
      return route.abort();
    });
    context.on("page", watch);
    page = await context.newPage();
  });

  afterAll(async () => {
    if (problems.length > 0) console.warn(`browser problems:\n  ${problems.join("\n  ")}`);
    if (blocked.length > 0) console.warn(`blocked requests to the outside:\n  ${blocked.join("\n  ")}`);
    await browser?.close().catch(() => {});
    await worker?.stop().catch(() => {});
    if (persistTo) rmSync(persistTo, { recursive: true, force: true });
  });

  it("runs with the test's own vars, not .dev.vars", async () => {
    expect((await admin("/admin/api/outbox")).status).toBe(200);
    const wrong = await fetch(`${baseUrl}/admin/api/outbox`, { headers: { authorization: "Bearer not-the-token" } });
    expect(wrong.status).toBe(401);
  });

  it("shows a labelled signup form on a phone, and explains a bad address without losing what was typed", async () => {
    const res = await page.goto(`${baseUrl}/`);
    expect(res?.status()).toBe(200);
    await page.getByRole("heading", { level: 1, name: "Origins of Lead Change" }).waitFor();
    const email = page.getByLabel("Email address");
    const name = page.getByLabel("First name");
    expect(await email.isVisible()).toBe(true);
    expect(await email.getAttribute("type")).toBe("email");
    expect(await email.getAttribute("autocomplete")).toBe("email");
    expect(await name.isVisible()).toBe(true);
    // The honeypot is in the page for bots only: off screen, hidden from screen readers, out of the Tab order.
    const honeypot = await page.locator("#website").boundingBox();
    expect(honeypot === null || honeypot.x + honeypot.width <= 0).toBe(true);
    expect(await page.locator(".honeypot").getAttribute("aria-hidden")).toBe("true");
    expect(await page.locator("#website").getAttribute("tabindex")).toBe("-1");
    await expectNoHorizontalScroll(page);
    await shot(page, "01-signup.png");

    // Typed text comes back in the form as text: never as markup.
    const typedEmail = `not-an-email"><script>window.__pwned = 1</script>`;
    const typedName = `Ada <b>Lovelace</b> & "friends"`;
    await email.fill(typedEmail);
    await name.fill(typedName);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${baseUrl}/subscribe` && r.request().method() === "POST"),
      page.getByRole("button", { name: "Subscribe" }).click(),
    ]);
    expect(answer.status()).toBe(400);
    await page.waitForLoadState("load");
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toContain("Please enter a valid email address, like name@example.com.");
    expect(await page.getByLabel("Email address").inputValue()).toBe(typedEmail);
    expect(await page.getByLabel("First name").inputValue()).toBe(typedName);
    expect(await page.evaluate<unknown>("window.__pwned")).toBeUndefined();
    expect(await page.locator("form b").count()).toBe(0);
    expect(await page.locator("script").count()).toBe(0);
    // The field points at the message, so screen readers read it with the field.
    expect(await page.getByLabel("Email address").getAttribute("aria-describedby")).toBe("form-error");
    await expectNoHorizontalScroll(page);
    await shot(page, "02-signup-invalid.png");
  });

  it("signs up, confirms from the email, receives part 1 and unsubscribes from its footer", async () => {
    // 1. Sign up.
    await page.goto(`${baseUrl}/`);
    await page.getByLabel("Email address").fill(READER.email);
    await page.getByLabel("First name").fill(READER.name);
    const [answer] = await Promise.all([
      page.waitForResponse((r) => r.url() === `${baseUrl}/subscribe` && r.request().method() === "POST"),
      page.getByRole("button", { name: "Subscribe" }).click(),
    ]);
    expect(answer.status()).toBe(200);
    await page.getByRole("heading", { name: "Check your inbox" }).waitFor();
    expect(await page.locator("main").textContent()).toContain(`We sent a link to ${READER.email}.`);
    await expectNoHorizontalScroll(page);
    await shot(page, "03-check-inbox.png");

    // 2. The confirmation email, opened as the reader's mail app would show it; its button confirms.
    const confirmation = await waitForEmail(READER.email, "Confirm your subscription");
    const mail = await context.newPage();
    await mail.setContent(confirmation.html, { waitUntil: "load" });
    const confirmLink = mail.getByRole("link", { name: "Confirm my subscription" });
    expect(await confirmLink.getAttribute("href")).toMatch(new RegExp(`^${baseUrl}/confirm/[^/]+$`));
    // The address is not proven yet: the name typed with it is not in this email.
    expect(await mail.getByText("Hi there,").isVisible()).toBe(true);
    expect(await mail.locator("body").textContent()).not.toContain(READER.name);
    await expectNoHorizontalScroll(mail);
    await shot(mail, "04-confirmation-email.png");
    // The link opens a page with one button (mail scanners follow links; only a person presses it).
    const confirmPage = await follow(mail, confirmLink);
    expect(confirmPage.url()).toContain(`${baseUrl}/confirm/`);
    await confirmPage.getByRole("heading", { name: "Confirm your subscription" }).waitFor();
    expect(await confirmPage.getByRole("button").count()).toBe(1);
    await expectNoHorizontalScroll(confirmPage);
    await shot(confirmPage, "04b-confirm-page.png");
    await Promise.all([
      confirmPage.waitForResponse((r) => r.url() === confirmPage.url() && r.request().method() === "POST"),
      confirmPage.getByRole("button", { name: "Confirm my subscription" }).click(),
    ]);
    const confirmed = confirmPage;
    await confirmed.getByRole("heading", { name: "You are subscribed" }).waitFor();
    await expectNoHorizontalScroll(confirmed);
    await shot(confirmed, "05-subscribed.png");

    // 3. Deliver now (what the cron does every minute) and read part 1 from the outbox.
    const send = await admin("/admin/api/send", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(send.status).toBe(200);
    const summary = (await send.json()) as { sent: number; mailer: string };
    expect(summary.mailer).toBe("outbox");
    expect(summary.sent).toBeGreaterThanOrEqual(1);
    const part = await waitForEmail(READER.email, "Part 1: The Opportunity");
    expect(part.to).toBe(READER.email);

    await mail.setContent(part.html, { waitUntil: "load" });
    expect(await mail.getByRole("heading", { name: "The Opportunity" }).isVisible()).toBe(true);
    expect(await mail.getByText(`Hi ${READER.name},`).isVisible()).toBe(true);
    const cta = mail.getByRole("link", { name: "Take some action and share it with us" });
    expect(await cta.isVisible()).toBe(true);
    // Every link is an action link on this site (counted, then redirected); unsubscribe uses the same token.
    const ctaHref = (await cta.getAttribute("href")) ?? "";
    // `<kid>.<hidden delivery id>.<tag>`: signed by the one key, no sequential id in sight.
    expect(ctaHref).toMatch(
      new RegExp(`^${baseUrl}/a/b1\\.[A-Za-z0-9_-]{8}\\.[A-Za-z0-9_-]{22}/origins-of-lead-change/the-opportunity/0$`),
    );
    const readerToken = ctaHref.split("/").at(-4)!;
    const unsubscribeLink = mail.getByRole("link", { name: "Unsubscribe", exact: true });
    expect(await unsubscribeLink.count()).toBe(1);
    const unsubscribeHref = (await unsubscribeLink.getAttribute("href")) ?? "";
    expect(unsubscribeHref).toBe(`${baseUrl}/u/${readerToken}`);
    expect(await mail.getByText("Know someone who would like this?").isVisible()).toBe(true);
    // The same link is in the List-Unsubscribe header, for the mail app's own button.
    expect(part.headers["List-Unsubscribe"]).toContain(`<${unsubscribeHref}>`);
    expect(part.headers["List-Unsubscribe-Post"]).toBe("List-Unsubscribe=One-Click");
    await expectNoHorizontalScroll(mail);
    await shot(mail, "06-part-email.png");

    // 4. The call to action: the reader answers the part's prompt on a page that already knows them.
    const respond = await follow(mail, cta);
    expect(respond.url()).toBe(`${baseUrl}/respond/${readerToken}`);
    await respond.getByRole("heading", { level: 1, name: "The Opportunity" }).waitFor();
    const field = respond.getByLabel("What action did you take?");
    expect(await field.inputValue()).toBe("");
    const typed = "I shared the post with my team <b>today</b> & we picked one thing to change.";
    await field.fill(typed);
    await expectNoHorizontalScroll(respond);
    await shot(respond, "07-response.png");
    const [saved] = await Promise.all([
      respond.waitForResponse(
        (r) => r.url() === `${baseUrl}/respond/${readerToken}` && r.request().method() === "POST",
      ),
      respond.getByRole("button", { name: "Send my response" }).click(),
    ]);
    expect(saved.status()).toBe(200);
    await respond.getByRole("heading", { name: "Thank you" }).waitFor();
    expect(await respond.locator("blockquote.response").textContent()).toBe(typed);
    expect(await respond.locator("blockquote b").count()).toBe(0);
    expect(await respond.getByLabel("Or copy the link").inputValue()).toBe(
      `${baseUrl}/p/origins-of-lead-change/the-opportunity`,
    );
    expect(await respond.getByRole("link", { name: "LinkedIn" }).count()).toBe(1);
    await expectNoHorizontalScroll(respond);
    await shot(respond, "08-response-thanks.png");
    const responses = await admin("/admin/api/responses?series=origins-of-lead-change&part=1");
    expect(((await responses.json()) as { data: { email: string; body: string }[] }).data).toEqual([
      expect.objectContaining({ email: READER.email, body: typed }),
    ]);
    await respond.close();

    // 5. Unsubscribe: the link only asks; the one button does it.
    const unsubscribe = await follow(mail, unsubscribeLink);
    expect(unsubscribe.url()).toBe(unsubscribeHref);
    await unsubscribe.getByRole("heading", { name: "Unsubscribe?" }).waitFor();
    expect(await unsubscribe.locator("main").textContent()).toContain(READER.email);
    expect(await unsubscribe.getByRole("button").count()).toBe(1);
    const button = unsubscribe.getByRole("button", { name: "Unsubscribe", exact: true });
    expect(await button.count()).toBe(1);
    await expectNoHorizontalScroll(unsubscribe);
    await shot(unsubscribe, "09-unsubscribe-confirm.png");
    const [done] = await Promise.all([
      unsubscribe.waitForResponse((r) => r.url() === unsubscribeHref && r.request().method() === "POST"),
      button.click(),
    ]);
    expect(done.status()).toBe(303); // post/redirect/get: a reload does not resend the form
    await unsubscribe.getByRole("heading", { name: "You are unsubscribed" }).waitFor();
    expect(unsubscribe.url()).toBe(unsubscribeHref);
    await expectNoHorizontalScroll(unsubscribe);
    await shot(unsubscribe, "10-unsubscribed.png");

    const readers = await admin(`/admin/api/subscribers?${new URLSearchParams({ q: READER.email })}`);
    expect(readers.status).toBe(200);
    const { data: subscribers } = (await readers.json()) as { data: { email: string; status: string }[] };
    expect(subscribers).toEqual([expect.objectContaining({ email: READER.email, status: "unsubscribed" })]);

    expect(problems).toEqual([]);
  });
});

import { describe, expect, it } from "vitest";
import { type ApiError, DEFAULT_SERIES, get } from "../helpers/route-helpers";

describe("signup pages", () => {
  it("GET / shows the default series and a form that posts to /subscribe", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("<h1>Origins of Lead Change</h1>");
    expect(html).toContain("<title>Origins of Lead Change — subscribe</title>");
    // No error yet: the field is not marked invalid and does not grab the focus.
    expect(html).not.toContain("aria-invalid");
    expect(html).not.toContain("autofocus");
    expect(html).toMatch(/<form[^>]*method="post"[^>]*action="\/subscribe"/);
    expect(html).toContain(`<input type="hidden" name="series" value="${DEFAULT_SERIES}"/>`);
    // Every visible field has a label bound to it.
    expect(html).toMatch(/<label for="email">Email address<\/label>/);
    expect(html).toMatch(/<input id="email" name="email" type="email"[^>]*required/);
    expect(html).toMatch(/<label for="name">First name/);
    expect(html).toMatch(/<input id="name" name="name" type="text"/);
    expect(html).toMatch(/<button type="submit">Subscribe<\/button>/);
    expect(html).toContain(`href="/p/${DEFAULT_SERIES}"`);
  });

  it("hides the honeypot from people: off screen, aria-hidden, out of the tab order", async () => {
    const html = await (await get("/")).text();
    const honeypot = html.match(/<div class="honeypot" aria-hidden="true">([\s\S]*?)<\/div>/);
    expect(honeypot, "honeypot wrapper").not.toBeNull();
    expect(honeypot![1]).toMatch(/<input id="website" name="website" type="text" tabindex="-1" autocomplete="off"\/>/);
    expect(html).toMatch(/\.honeypot \{ position: absolute; left: -10000px;/);
  });

  it("GET /s/origins-of-lead-change shows that series", async () => {
    const res = await get(`/s/${DEFAULT_SERIES}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1>Origins of Lead Change</h1>");
    expect(html).toContain("1 part so far");
    expect(html).toContain("“The Opportunity”");
  });

  it("GET /s/fixture-four shows the fixture series with its own slug in the form", async () => {
    const res = await get("/s/fixture-four");
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain("<h1>Fixture Four</h1>");
    expect(html).toContain("4 parts so far");
    expect(html).toContain('<input type="hidden" name="series" value="fixture-four"/>');
  });

  it("GET /s/nope is a 404 page", async () => {
    const res = await get("/s/nope");
    expect(res.status).toBe(404);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain("<h1>Page not found</h1>");
    expect(html).toContain("There is no series at this address.");
    expect(html).toContain('<a href="/">Go to the signup page</a>');
  });

  it("an unknown path is a 404 page, and JSON for a client that asks for JSON", async () => {
    const page = await get("/no/such/page");
    expect(page.status).toBe(404);
    expect(await page.text()).toContain("There is nothing at this address.");
    const api = await get("/no/such/page", { accept: "application/json" });
    expect(api.status).toBe(404);
    const body = (await api.json()) as ApiError;
    expect(body.error.code).toBe("NOT_FOUND");
    expect(body.error.requestId).toBe(api.headers.get("x-request-id"));
  });
});

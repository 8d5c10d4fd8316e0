import { SELF } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, BASE, escapeHtml, signUp, uniqueEmail } from "../helpers/route-helpers";
import { outboxFor } from "../helpers/rows";

const basic = (password: string, user = "admin") => `Basic ${btoa(`${user}:${password}`)}`;
const page = (path: string, authorization?: string) =>
  SELF.fetch(`${BASE}${path}`, { headers: authorization ? { authorization } : {} });

describe("the outbox in a browser (/admin/outbox)", () => {
  it("asks for the admin token with HTTP Basic auth", async () => {
    for (const authorization of [undefined, basic("wrong"), basic(`${ADMIN_TOKEN}x`), "Bearer test-admin-token"]) {
      const res = await page("/admin/outbox", authorization);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toMatch(/^Basic realm=/);
      expect(await res.text()).not.toContain("Outbox");
    }
  });

  it("lists the emails newest first and shows one as the reader would see it", async () => {
    const reader = await signUp(uniqueEmail("outbox-page"));
    const [confirmation] = await outboxFor(reader.email);

    const list = await page(`/admin/outbox?to=${encodeURIComponent(reader.email)}`, basic(ADMIN_TOKEN, "anyone"));
    expect(list.status).toBe(200);
    const listHtml = await list.text();
    expect(listHtml).toContain(`/admin/outbox/${confirmation!.id}`);
    expect(listHtml).toContain(escapeHtml(confirmation!.subject));

    const one = await page(`/admin/outbox/${confirmation!.id}`, basic(ADMIN_TOKEN));
    expect(one.status).toBe(200);
    const html = await one.text();
    expect(html).toContain("<iframe");
    expect(html).toContain('sandbox="allow-popups');
    // The email's markup is inside the srcdoc attribute, escaped: it cannot run in this page.
    expect(html).toContain("srcdoc=\"&lt;base target=&quot;_blank&quot;&gt;");
    expect(html).not.toContain(confirmation!.html.slice(0, 200));
    expect(html).toContain(escapeHtml(confirmation!.text.split("\n")[0]!));
  });

  it("escapes whatever an email carries in its subject, addresses and html", async () => {
    const id = crypto.randomUUID();
    await env.DB.prepare(
      `INSERT INTO outbox (id, "from", "to", subject, html, text, headers, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
    )
      .bind(id, "<b>x</b>@example.com", "evil@example.com", "<script>alert(1)</script>", `"><script>alert(2)</script>`, "<img src=x>", "{}", Date.now())
      .run();
    for (const path of ["/admin/outbox", `/admin/outbox/${id}`]) {
      const body = await (await page(path, basic(ADMIN_TOKEN))).text();
      expect(body).not.toContain("<script>alert");
      expect(body).not.toContain("<img src=x>");
      expect(body).not.toContain("<b>x</b>");
    }
  });

  it("answers 404 for an unknown or absurd id, and 400 for a bad filter", async () => {
    expect((await page("/admin/outbox/nope", basic(ADMIN_TOKEN))).status).toBe(404);
    expect((await page(`/admin/outbox/${"x".repeat(500)}`, basic(ADMIN_TOKEN))).status).toBe(404);
    expect((await page(`/admin/outbox?to=${"x".repeat(400)}`, basic(ADMIN_TOKEN))).status).toBe(400);
  });
});

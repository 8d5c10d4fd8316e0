import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import worker from "../../worker/index";
import { BASE, escapeHtml, signUp, uniqueEmail } from "../helpers/route-helpers";
import { outboxFor } from "../helpers/rows";
import { dashboardGet, signIn } from "./dashboard-helpers";

describe("the outbox in the dashboard (/admin/outbox)", () => {
  it("needs the session: no Basic auth any more", async () => {
    const basic = `Basic ${btoa("admin:test-admin-token")}`;
    const res = await dashboardGet("/admin/outbox");
    expect(res.status).toBe(303);
    const withBasic = await worker.fetch(
      new Request(`${BASE}/admin/outbox`, { headers: { authorization: basic }, redirect: "manual" }),
      env,
      createExecutionContext(),
    );
    expect(withBasic.status).toBe(303);
    expect(withBasic.headers.get("location")).toBe(`/admin/sign-in?${new URLSearchParams({ next: "/admin/outbox" })}`);
  });

  it("lists the emails newest first and shows one as the reader would see it, inside the dashboard", async () => {
    const session = await signIn();
    const reader = await signUp(uniqueEmail("outbox-page"));
    const [confirmation] = await outboxFor(reader.email);

    const list = await dashboardGet(`/admin/outbox?to=${encodeURIComponent(reader.email)}`, session);
    expect(list.status).toBe(200);
    const listHtml = await list.text();
    expect(listHtml).toContain(`/admin/outbox/${confirmation!.id}`);
    expect(listHtml).toContain(escapeHtml(confirmation!.subject));
    expect(listHtml).toContain('<a href="/admin/outbox" aria-current="page">Outbox</a>');
    expect((listHtml.match(/<li>/g) ?? []).length).toBe(1);

    const one = await dashboardGet(`/admin/outbox/${confirmation!.id}`, session);
    expect(one.status).toBe(200);
    const html = await one.text();
    expect(html).toContain("<iframe");
    expect(html).toContain('sandbox="allow-popups');
    // The email's markup is inside the srcdoc attribute, escaped: it cannot run in this page.
    expect(html).toContain('srcdoc="&lt;base target=&quot;_blank&quot;&gt;');
    expect(html).not.toContain(confirmation!.html.slice(0, 200));
    expect(html).toContain(escapeHtml(confirmation!.text.split("\n")[0]!));
  });

  it("escapes whatever an email carries in its subject, addresses and html", async () => {
    const session = await signIn();
    const id = crypto.randomUUID();
    await env.DB.prepare(
      `INSERT INTO outbox (id, "from", "to", subject, html, text, headers, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)`,
    )
      .bind(
        id,
        "<b>x</b>@example.com",
        "evil@example.com",
        "<script>alert(1)</script>",
        `"><script>alert(2)</script>`,
        "<img src=x>",
        "{}",
        Date.now(),
      )
      .run();
    for (const path of ["/admin/outbox", `/admin/outbox/${id}`]) {
      const body = await (await dashboardGet(path, session)).text();
      expect(body).toContain("&lt;script&gt;alert(1)&lt;/script&gt;");
      expect(body).not.toContain("<script>alert");
      expect(body).not.toContain("<img src=x>");
      expect(body).not.toContain("<b>x</b>");
    }
  });

  it("answers 404 for an unknown or absurd id, and 400 for a bad filter", async () => {
    const session = await signIn();
    expect((await dashboardGet("/admin/outbox/nope", session)).status).toBe(404);
    expect((await dashboardGet(`/admin/outbox/${"x".repeat(500)}`, session)).status).toBe(404);
    expect((await dashboardGet(`/admin/outbox?to=${"x".repeat(400)}`, session)).status).toBe(400);
  });

  it("is not there (404, and not in the navigation) when mail goes through Resend", async () => {
    const session = await signIn();
    const resendEnv = { ...env, RESEND_API_KEY: "re_test_key", RESEND_BASE_URL: "http://127.0.0.1:9/" };
    const fetchWith = async (path: string) => {
      const ctx = createExecutionContext();
      const res = await worker.fetch(
        new Request(`${BASE}${path}`, {
          headers: { cookie: session.cookie, "cf-connecting-ip": session.ip },
          redirect: "manual",
        }),
        resendEnv,
        ctx,
      );
      await waitOnExecutionContext(ctx);
      return res;
    };
    expect((await fetchWith("/admin/outbox")).status).toBe(404);
    const overview = await fetchWith("/admin");
    expect(overview.status).toBe(200);
    expect(await overview.text()).not.toContain('href="/admin/outbox"');
    // With the outbox mailer (the test bindings), the link is there.
    expect(await (await dashboardGet("/admin", session)).text()).toContain('href="/admin/outbox"');
  });
});

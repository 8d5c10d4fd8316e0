import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { deliveredReader } from "../helpers/reader-helpers";
import { escapeHtml, signUpAndConfirm, uniqueEmail } from "../helpers/route-helpers";
import { findSubscriber } from "../helpers/rows";
import { dashboardGet, dashboardPost, signIn } from "./dashboard-helpers";

const NAME = "<script>alert(1)</script>";
const RESPONSE = `"><img src=x onerror=alert(2)> & <b>bold</b>`;
const REASON = "<script>alert(3)</script>";

describe("every dashboard page escapes what readers typed", () => {
  it("a reader named <script>alert(1)</script> (signup accepts it) is text on every page", async () => {
    const email = uniqueEmail("xss");
    await signUpAndConfirm(email, { name: NAME });
    expect((await findSubscriber(email))!.name).toBe(NAME);
    // Their response and a bounce with markup in its reason, as rows the overview lists.
    const delivered = await deliveredReader({ email: uniqueEmail("xss-delivered") });
    await env.DB.batch([
      env.DB.prepare("UPDATE subscribers SET name = ?1 WHERE id = ?2").bind(NAME, delivered.subscriberId),
      env.DB.prepare(
        `INSERT INTO responses (delivery_id, subscriber_id, series, part_number, part_id, body, created_at, updated_at)
         VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?6)`,
      ).bind(delivered.deliveryId, delivered.subscriberId, delivered.series, delivered.partId, RESPONSE, Date.now()),
      env.DB.prepare(
        `INSERT INTO events (subscriber_id, delivery_id, type, data, created_at) VALUES (?1, ?2, 'complained', json_object('reason', ?3), ?4)`,
      ).bind(delivered.subscriberId, delivered.deliveryId, REASON, Date.now()),
    ]);

    const session = await signIn();
    const pages: [string, Response][] = [
      ["/admin", await dashboardGet("/admin", session)],
      ["/admin/readers?q=xss", await dashboardGet("/admin/readers?q=xss", session)],
      ["/admin/readers?q=<script>", await dashboardGet(`/admin/readers?q=${encodeURIComponent(NAME)}`, session)],
      ["/admin/outbox", await dashboardGet("/admin/outbox", session)],
      ["dry run", await dashboardPost("/admin/send/dry-run", session, {})],
    ];
    const seen = new Set<string>();
    for (const [label, res] of pages) {
      expect(res.status, label).toBe(200);
      const html = await res.text();
      // No script of any kind on a dashboard page; what was typed is there as text.
      expect(html, label).not.toMatch(/<script/i);
      expect(html, label).not.toContain("<img src=x");
      expect(html, label).not.toContain("<b>bold</b>");
      for (const typed of [NAME, RESPONSE, REASON])
        if (html.includes(escapeHtml(typed))) seen.add(`${label}: ${typed}`);
    }
    expect([...seen].sort()).toEqual(
      [
        `/admin: ${NAME}`, // the response's author
        `/admin: ${RESPONSE}`,
        `/admin: ${REASON}`,
        `/admin/readers?q=xss: ${NAME}`,
        `/admin/readers?q=<script>: ${NAME}`, // the search box and the heading echo it, escaped
      ].sort(),
    );
  });
});

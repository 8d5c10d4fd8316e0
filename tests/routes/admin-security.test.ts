import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { adminFetch, BASE } from "../helpers/route-helpers";
import { outboxCount } from "../helpers/rows";
import { expectApiError } from "../helpers/admin-api-helpers";

const ENDPOINTS = ["/admin/api/outbox", "/admin/api/subscribers"];

describe("admin authentication", () => {
  for (const path of ENDPOINTS) {
    it(`${path}: 401 JSON without a token`, async () => {
      const res = await adminFetch(path, { token: null });
      await expectApiError(res, 401, "UNAUTHORIZED", /Authorization: Bearer/);
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    });

    it(`${path}: 401 JSON with a wrong token, of the same or another length`, async () => {
      for (const token of [
        "test-admin-tokeX",
        "wrong",
        "test-admin-token-but-longer",
        "TEST-ADMIN-TOKEN",
        "test-admin-toke",
      ]) {
        const res = await adminFetch(path, { token });
        await expectApiError(res, 401, "UNAUTHORIZED", /Wrong admin token/);
      }
    });

    it(`${path}: a malformed Authorization header is refused`, async () => {
      for (const header of ["Basic dGVzdDp0ZXN0", "Bearer", "Bearer test admin token", "test-admin-token"]) {
        const res = await adminFetch(path, { token: null, headers: { authorization: header } });
        await expectApiError(res, 400, "BAD_REQUEST", /^Malformed Authorization header/);
        expect(res.headers.get("www-authenticate")).toBe('Bearer error="invalid_request"');
      }
    });

    it(`${path}: 200 with the admin token`, async () => {
      const res = await adminFetch(path);
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    });
  }

  it("POST /admin/api/send needs the token too, and sends nothing without it", async () => {
    const before = await outboxCount();
    const res = await SELF.fetch(`${BASE}/admin/api/send`, { method: "POST", body: "{}" });
    await expectApiError(res, 401, "UNAUTHORIZED");
    const wrong = await adminFetch("/admin/api/send", { method: "POST", body: "{}", token: "nope" });
    await expectApiError(wrong, 401, "UNAUTHORIZED");
    expect(await outboxCount()).toBe(before);
  });

  it("the token is not accepted from a query string or a cookie", async () => {
    const query = await SELF.fetch(`${BASE}/admin/api/outbox?token=test-admin-token`);
    expect(query.status).toBe(401);
    const cookie = await SELF.fetch(`${BASE}/admin/api/outbox`, { headers: { cookie: "token=test-admin-token" } });
    expect(cookie.status).toBe(401);
  });
});

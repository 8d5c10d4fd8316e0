import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, type ApiError } from "../helpers/route-helpers";

/** The one error handler: every source answers in `{ error: { code, message, requestId } }` or a page. */
describe("error responses", () => {
  it("an unknown path is NOT_FOUND in our shape, its request id in the body and the header", async () => {
    const res = await SELF.fetch(`${BASE}/no/such/page`, { headers: { accept: "application/json" } });
    expect(res.status).toBe(404);
    const body = (await res.json()) as ApiError;
    expect(body.error).toMatchObject({ code: "NOT_FOUND", message: "There is nothing at this address." });
    expect(body.error.requestId).toBe(res.headers.get("x-request-id"));
  });

  it("Hono's CSRF refusal is wrapped: FORBIDDEN in our shape, not its bare text", async () => {
    const res = await SELF.fetch(`${BASE}/subscribe`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        origin: "https://evil.example",
        accept: "application/json",
      },
      body: "email=a%40example.com",
    });
    expect(res.status).toBe(403);
    expect(((await res.json()) as ApiError).error).toMatchObject({
      code: "FORBIDDEN",
      message: "This form was sent from another site. Please use the form on this site.",
    });
  });

  it("bearer auth's own answer passes through with its WWW-Authenticate header and our request id", async () => {
    const res = await SELF.fetch(`${BASE}/admin/api/outbox`, { headers: { "cf-connecting-ip": "2001:db8::e1" } });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toMatch(/^Bearer /);
    const body = (await res.json()) as ApiError;
    expect(body.error.code).toBe("UNAUTHORIZED");
    expect(res.headers.get("x-request-id")).toBe(body.error.requestId);
  });
});

describe("GET /favicon.ico", () => {
  it("is an empty 204, not the 404 page every browser would otherwise fetch", async () => {
    const res = await SELF.fetch(`${BASE}/favicon.ico`);
    expect(res.status).toBe(204);
    expect(await res.text()).toBe("");
  });
});

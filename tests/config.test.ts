import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { readConfig } from "../worker/config";
import type { Env } from "../worker/env";

const withVars = (vars: Partial<Env>) => ({ ...env, ...vars }) as Env;

describe("configuration", () => {
  it("reads the test bindings", () => {
    expect(readConfig(env)).toMatchObject({ publicUrl: "https://news.example.com", adminToken: "test-admin-token" });
  });

  it("refuses to send real mail whose links would point at localhost", () => {
    for (const url of ["http://localhost:8787", "http://127.0.0.1:8787"]) {
      expect(() => readConfig(withVars({ RESEND_API_KEY: "re_live", PUBLIC_URL: url }))).toThrow(/PUBLIC_URL points at this machine/);
    }
    // The local outbox, and a Resend stand-in (tests, benchmarks), are fine on localhost.
    expect(() => readConfig(withVars({ RESEND_API_KEY: "", PUBLIC_URL: "http://localhost:8787" }))).not.toThrow();
    expect(() =>
      readConfig(withVars({ RESEND_API_KEY: "re_test", RESEND_BASE_URL: "http://127.0.0.1:9999", PUBLIC_URL: "http://127.0.0.1:8787" })),
    ).not.toThrow();
  });

  it("refuses a short signing secret", () => {
    expect(() => readConfig(withVars({ SIGNING_SECRET: "short" }))).toThrow();
  });
});

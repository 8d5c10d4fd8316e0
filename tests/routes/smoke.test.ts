import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("smoke", () => {
  it("serves the signup page", async () => {
    const res = await SELF.fetch("https://news.example.com/");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("Origins of Lead Change");
  });
});

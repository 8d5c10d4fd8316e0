import { describe, expect, it } from "vitest";
import { signDeliveryTokens, signToken, verifyReaderToken, verifyReferralToken, verifyToken } from "../worker/tokens";

const SECRET = "test-signing-secret-0123456789abcdef";

describe("per-email delivery tokens", () => {
  it("are deterministic (a retried batch is byte-identical) and verify to their delivery", async () => {
    const a = await signDeliveryTokens(SECRET, 42);
    expect(await signDeliveryTokens(SECRET, 42)).toEqual(a);
    expect(a.reader).toMatch(/^42\.[A-Za-z0-9_-]{22}$/);
    expect(a.referral).toMatch(/^42\.[A-Za-z0-9_-]{11}$/);
    expect(await verifyReaderToken(SECRET, a.reader)).toBe(42);
    expect(await verifyReferralToken(SECRET, a.referral)).toBe(42);
  });

  it("keep the two tags apart: a shared referral link never acts as the reader, and vice versa", async () => {
    const { reader, referral } = await signDeliveryTokens(SECRET, 7);
    expect(await verifyReaderToken(SECRET, referral)).toBeNull();
    expect(await verifyReferralToken(SECRET, reader)).toBeNull();
  });

  it("refuse another delivery's id, a flipped character, another secret and junk", async () => {
    const { reader } = await signDeliveryTokens(SECRET, 7);
    const tag = reader.split(".")[1]!;
    const flipped = `7.${tag[0] === "A" ? "B" : "A"}${tag.slice(1)}`;
    for (const bad of [`8.${tag}`, flipped, "7.", ".abc", "07." + tag, "7." + tag + "x", "x".repeat(600), "7.a+b/c=="]) {
      expect(await verifyReaderToken(SECRET, bad), bad).toBeNull();
    }
    expect(await verifyReaderToken("another-secret-0123456789abcdef", reader)).toBeNull();
  });
});

describe("purpose-bound tokens", () => {
  it("never let a confirm token unsubscribe", async () => {
    const token = await signToken(SECRET, { purpose: "confirm", subscriberId: 1, series: "s" }, Date.now() + 60_000);
    expect((await verifyToken(SECRET, token, "confirm")).ok).toBe(true);
    expect(await verifyToken(SECRET, token, "unsubscribe")).toEqual({ ok: false, reason: "invalid" });
  });
});

import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { verifyBearer } from "./bearer.ts";
import { timingSafeEqual } from "./bytes.ts";
import { verifyHmacSignature } from "./hmac-header.ts";

const secret = "It's a Secret to Everybody";
const body = new TextEncoder().encode('{"action":"opened","number":1,"title":"Grüße"}');
const digest = (algorithm: string, encoding: "hex" | "base64") => createHmac(algorithm, secret).update(body).digest(encoding);

describe("verifyHmacSignature", () => {
  it("verifies a GitHub-style x-hub-signature-256 header (sha256=<hex> over the raw body)", async () => {
    const header = `sha256=${digest("sha256", "hex")}`;
    expect(await verifyHmacSignature({ secret, algorithm: "sha256", encoding: "hex", prefix: "sha256=", signature: header, body })).toBe(true);
  });

  it("accepts upper-case hex and surrounding whitespace", async () => {
    const header = ` sha256=${digest("sha256", "hex").toUpperCase()} `;
    expect(await verifyHmacSignature({ secret, algorithm: "sha256", encoding: "hex", prefix: "sha256=", signature: header, body })).toBe(true);
  });

  it.each(["sha1", "sha256", "sha512"] as const)("verifies %s in base64 without a prefix", async (algorithm) => {
    expect(await verifyHmacSignature({ secret, algorithm, encoding: "base64", signature: digest(algorithm, "base64"), body })).toBe(true);
  });

  it("refuses a tampered body, a wrong secret, a missing prefix, another algorithm and a missing header", async () => {
    const header = `sha256=${digest("sha256", "hex")}`;
    const check = { secret, algorithm: "sha256" as const, encoding: "hex" as const, prefix: "sha256=", signature: header, body };
    expect(await verifyHmacSignature({ ...check, body: new TextEncoder().encode('{"action":"closed"}') })).toBe(false);
    expect(await verifyHmacSignature({ ...check, secret: "another secret" })).toBe(false);
    expect(await verifyHmacSignature({ ...check, signature: digest("sha256", "hex") })).toBe(false);
    expect(await verifyHmacSignature({ ...check, algorithm: "sha512" })).toBe(false);
    expect(await verifyHmacSignature({ ...check, signature: null })).toBe(false);
    expect(await verifyHmacSignature({ ...check, encoding: "base64", prefix: "", signature: "not base64!" })).toBe(false);
  });
});

describe("timingSafeEqual and verifyBearer", () => {
  it("says equal only for the same strings", () => {
    expect(timingSafeEqual("abc", "abc")).toBe(true);
    expect(timingSafeEqual("abc", "abd")).toBe(false);
    expect(timingSafeEqual("abc", "abcd")).toBe(false);
    expect(timingSafeEqual("", "a")).toBe(false);
    expect(timingSafeEqual("", "")).toBe(true);
  });

  it("accepts only the exact bearer secret", () => {
    expect(verifyBearer("s3cret-value", "Bearer s3cret-value")).toBe(true);
    expect(verifyBearer("s3cret-value", "bearer s3cret-value")).toBe(true);
    expect(verifyBearer("s3cret-value", "Bearer s3cret-valuE")).toBe(false);
    expect(verifyBearer("s3cret-value", "Basic s3cret-value")).toBe(false);
    expect(verifyBearer("s3cret-value", null)).toBe(false);
  });
});

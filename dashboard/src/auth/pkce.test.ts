// PKCE with Node's WebCrypto: the RFC 7636 test vector, and verifiers within the allowed alphabet and length.
import { describe, expect, it } from "vitest";
import { base64url, challengeS256, createVerifier, randomString } from "./pkce.ts";

describe("pkce", () => {
  it("computes the S256 challenge of RFC 7636 appendix B", async () => {
    expect(await challengeS256("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")).toBe("E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
  });

  it("makes unreserved-alphabet verifiers of 43..128 characters, different each time", () => {
    const a = createVerifier();
    const b = createVerifier();
    expect(a).toMatch(/^[A-Za-z0-9\-._~]{43,128}$/);
    expect(a).not.toBe(b);
    expect(randomString()).toHaveLength(43);
  });

  it("base64url-encodes without padding", () => {
    expect(base64url(new Uint8Array([0xfb, 0xff]))).toBe("-_8");
  });
});

// PKCE (RFC 7636) with WebCrypto only, so the same code runs in browsers and in Node's tests:
// a random verifier, its S256 challenge, and random state/nonce values.

/** Base64url without padding, as PKCE and JWTs use. */
export function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

/** A random URL-safe string of `bytes` random bytes (32 → 43 characters, PKCE's minimum length). */
export function randomString(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

export function createVerifier(): string {
  return randomString(48); // 64 characters, within PKCE's 43..128
}

export async function challengeS256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

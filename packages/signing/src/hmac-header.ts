// "HMAC of the raw body in one header", the scheme of GitHub (x-hub-signature-256: sha256=<hex>),
// Shopify (base64), Stripe-less integrations and most CRMs: a prefix, then the digest of the body
// bytes exactly as received, in hex (either case) or base64.
import { fromBase64, hmac, timingSafeEqual, toBase64, toHex, utf8, type HmacAlgorithm } from "./bytes.ts";

export interface HmacSignatureCheck {
  secret: string;
  algorithm: HmacAlgorithm;
  encoding: "hex" | "base64";
  /** Text before the digest in the header, such as "sha256=" (may be empty). */
  prefix?: string;
  /** The header's value as received; null when the header is missing. */
  signature: string | null | undefined;
  /** The raw request body. */
  body: Uint8Array | string;
}

export async function signHmac(secret: string, algorithm: HmacAlgorithm, encoding: "hex" | "base64", body: Uint8Array | string): Promise<string> {
  const bytes = typeof body === "string" ? utf8(body) : new Uint8Array(body);
  const digest = await hmac(algorithm, utf8(secret), bytes);
  return encoding === "hex" ? toHex(digest) : toBase64(digest);
}

export async function verifyHmacSignature(check: HmacSignatureCheck): Promise<boolean> {
  const prefix = check.prefix ?? "";
  const value = check.signature?.trim();
  if (!value || !value.startsWith(prefix)) return false;
  let received = value.slice(prefix.length);
  const expected = await signHmac(check.secret, check.algorithm, check.encoding, check.body);
  if (check.encoding === "hex") received = received.toLowerCase();
  // Base64 with or without padding: compare the canonical form of what was received.
  else {
    const decoded = fromBase64(received.replace(/-/g, "+").replace(/_/g, "/"));
    if (!decoded) return false;
    received = toBase64(decoded);
  }
  return timingSafeEqual(received, expected);
}

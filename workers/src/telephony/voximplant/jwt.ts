// The Management API's bearer token: an RS256 JWT signed with the service account's private key
// (VoxImplant "Service accounts": header `kid` = key_id; claims `iss` = account_id, `iat`, and
// `exp` at most iat + 3600). Signed with WebCrypto, which imports PKCS#8 only: a key file holding
// a PKCS#1 "RSA PRIVATE KEY" is wrapped into PKCS#8 here (same key, one more ASN.1 layer).
import type { VoximplantServiceAccountKey } from "@speaknode/contracts";

/** The key cannot be used: `field` names where it came from (a create/update body), for a 400. */
export class VoximplantKeyError extends Error {
  override name = "VoximplantKeyError";
  constructor(message: string) {
    super(message);
  }
}

/** VoxImplant accepts tokens valid for at most an hour. */
export const voximplantTokenTtlS = 3600;

const b64url = (bytes: Uint8Array): string => {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};
const utf8 = (text: string) => new TextEncoder().encode(text);

function pemBody(pem: string): { pkcs1: boolean; der: Uint8Array<ArrayBuffer> } {
  const match = /-----BEGIN (RSA )?PRIVATE KEY-----([\s\S]+?)-----END (RSA )?PRIVATE KEY-----/.exec(pem);
  if (!match || (match[1] ?? "") !== (match[3] ?? "")) throw new VoximplantKeyError("the private key is not a PEM private key");
  let raw: string;
  try {
    raw = atob((match[2] ?? "").replace(/\\n/g, "").replace(/\s+/g, ""));
  } catch {
    throw new VoximplantKeyError("the private key's PEM body is not base64");
  }
  const der = new Uint8Array(raw.length);
  for (let i = 0; i < raw.length; i++) der[i] = raw.charCodeAt(i);
  return { pkcs1: match[1] !== undefined, der };
}

/** DER length octets. */
function derLength(n: number): Uint8Array {
  if (n < 0x80) return Uint8Array.of(n);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v % 256);
  return Uint8Array.of(0x80 | bytes.length, ...bytes);
}

function der(tag: number, ...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    body.set(p, at);
    at += p.length;
  }
  const len = derLength(body.length);
  const out = new Uint8Array(1 + len.length + body.length);
  out[0] = tag;
  out.set(len, 1);
  out.set(body, 1 + len.length);
  return out;
}

/** PrivateKeyInfo { version 0, AlgorithmIdentifier { rsaEncryption, NULL }, OCTET STRING pkcs1 } (RFC 5208). */
export function pkcs1ToPkcs8(pkcs1: Uint8Array): Uint8Array<ArrayBuffer> {
  const rsaEncryption = Uint8Array.of(0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01);
  const algorithm = der(0x30, rsaEncryption, Uint8Array.of(0x05, 0x00));
  return der(0x30, Uint8Array.of(0x02, 0x01, 0x00), algorithm, der(0x04, pkcs1));
}

/** WebCrypto's key type, named without the DOM/Workers global so Node-side tools (scripts/) typecheck this file too. */
type SigningKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

/** The signing key of a key file (PKCS#8, or PKCS#1 wrapped); a key WebCrypto refuses is a VoximplantKeyError. */
export async function importVoximplantKey(privateKeyPem: string): Promise<SigningKey> {
  const { pkcs1, der: body } = pemBody(privateKeyPem);
  const pkcs8 = pkcs1 ? pkcs1ToPkcs8(body) : body;
  try {
    return await crypto.subtle.importKey("pkcs8", pkcs8, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, ["sign"]);
  } catch {
    throw new VoximplantKeyError("the private key is not an RSA private key WebCrypto can read");
  }
}

export interface VoximplantSigner {
  /** A fresh token (cached until a minute before it expires). */
  token(nowMs?: number): Promise<string>;
}

/** Signs Management API tokens for one key file. */
export function voximplantSigner(key: Pick<VoximplantServiceAccountKey, "account_id" | "key_id" | "private_key">): VoximplantSigner {
  let imported: Promise<SigningKey> | null = null;
  let cached: { token: string; expMs: number } | null = null;
  return {
    async token(nowMs = Date.now()) {
      if (cached && cached.expMs - 60_000 > nowMs) return cached.token;
      imported ??= importVoximplantKey(key.private_key);
      const signingKey = await imported;
      const iat = Math.floor(nowMs / 1000);
      const header = b64url(utf8(JSON.stringify({ alg: "RS256", typ: "JWT", kid: key.key_id })));
      const payload = b64url(utf8(JSON.stringify({ iss: Number(key.account_id), iat, exp: iat + voximplantTokenTtlS })));
      const signature = new Uint8Array(await crypto.subtle.sign("RSASSA-PKCS1-v1_5", signingKey, utf8(`${header}.${payload}`)));
      const token = `${header}.${payload}.${b64url(signature)}`;
      cached = { token, expMs: (iat + voximplantTokenTtlS) * 1000 };
      return token;
    },
  };
}

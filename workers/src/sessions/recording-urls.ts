// Signed, expiring links to a session's recordings and transcript:
//   `/recordings/{sessionId}/{track}?exp=…&sig=…`, sig = HMAC-SHA256 (base64url) of `sessionId/track/exp`;
//   `/transcripts/{sessionId}?exp=…&sig=…`, sig = HMAC-SHA256 (base64url) of `sessionId/exp`;
// each with its own key derived from the runtime token secret, so a signature of one kind never
// opens the other. Whoever holds the link may fetch it until it expires; nothing else is exposed.
import type { Config } from "../config.ts";

const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

type LinkKind = "recordings" | "transcripts";

function hmacKey(kind: LinkKind, secret: string): Promise<CryptoKey> {
  const material = `${kind}:${secret}`;
  let key = keys.get(material);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(material), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(material, key);
  }
  return key;
}

function b64url(bytes: ArrayBuffer): string {
  let bin = "";
  for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function sign(kind: LinkKind, secret: string, message: string): Promise<string> {
  return b64url(await crypto.subtle.sign("HMAC", await hmacKey(kind, secret), encoder.encode(message)));
}

/** Expiry second of a link made now for ttlS (or at `nowMs`). */
const expiryOf = (ttlS: number, nowMs: number) => Math.floor(nowMs / 1000) + ttlS;

async function check(kind: LinkKind, secret: string, message: (exp: string) => string, exp: string, sig: string): Promise<"ok" | "expired" | "invalid"> {
  if (!/^\d{1,12}$/.test(exp)) return "invalid";
  const expected = await sign(kind, secret, message(exp));
  // Compare without an early exit so the time taken says nothing about the signature.
  let diff = expected.length ^ sig.length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (sig.charCodeAt(i) || 0);
  if (diff !== 0) return "invalid";
  return Number(exp) * 1000 < Date.now() ? "expired" : "ok";
}

export async function signRecordingUrl(secret: string, origin: string, sessionId: string, track: string, ttlS: number, nowMs = Date.now()): Promise<{ url: string; expiresAt: Date }> {
  const exp = expiryOf(ttlS, nowMs);
  const sig = await sign("recordings", secret, `${sessionId}/${track}/${exp}`);
  return { url: `${origin}/recordings/${sessionId}/${track}?exp=${exp}&sig=${sig}`, expiresAt: new Date(exp * 1000) };
}

export function checkRecordingSignature(secret: string, sessionId: string, track: string, exp: string, sig: string): Promise<"ok" | "expired" | "invalid"> {
  return check("recordings", secret, (e) => `${sessionId}/${track}/${e}`, exp, sig);
}

export async function signTranscriptUrl(secret: string, origin: string, sessionId: string, ttlS: number, nowMs = Date.now()): Promise<{ url: string; expiresAt: Date }> {
  const exp = expiryOf(ttlS, nowMs);
  const sig = await sign("transcripts", secret, `${sessionId}/${exp}`);
  return { url: `${origin}/transcripts/${sessionId}?exp=${exp}&sig=${sig}`, expiresAt: new Date(exp * 1000) };
}

export function checkTranscriptSignature(secret: string, sessionId: string, exp: string, sig: string): Promise<"ok" | "expired" | "invalid"> {
  return check("transcripts", secret, (e) => `${sessionId}/${e}`, exp, sig);
}

/** The wrangler dev server's address: the origin of links made where no request names one. */
const devDefaultOrigin = "http://127.0.0.1:8787";

/**
 * The origin of links made outside a request (a Durable Object, a queue consumer): PUBLIC_URL; else,
 * with dev tools on, this Worker's own URL (its OIDC issuer is `<Worker URL>/dev/oidc`, a rule
 * readConfig enforces); else the dev server's default. Production sets PUBLIC_URL (emails and
 * provider callbacks need it too).
 */
export function linkOrigin(config: Pick<Config, "publicUrl" | "devTools" | "oidc">): string {
  if (config.publicUrl) return config.publicUrl;
  if (config.devTools.enabled) {
    try {
      return new URL(config.oidc.issuer).origin;
    } catch {
      return devDefaultOrigin;
    }
  }
  return devDefaultOrigin;
}

// Signed, expiring recording URLs: `/recordings/{sessionId}/{track}?exp=…&sig=…`, where sig is an
// HMAC-SHA256 (base64url) of `sessionId/track/exp` with the runtime token secret. Whoever holds
// the link may play the track until it expires; nothing else is exposed.
const encoder = new TextEncoder();
const keys = new Map<string, Promise<CryptoKey>>();

function hmacKey(secret: string): Promise<CryptoKey> {
  let key = keys.get(secret);
  if (!key) {
    key = crypto.subtle.importKey("raw", encoder.encode(`recordings:${secret}`), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, key);
  }
  return key;
}

function b64url(bytes: ArrayBuffer): string {
  let bin = "";
  for (const b of new Uint8Array(bytes)) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function signRecordingUrl(secret: string, origin: string, sessionId: string, track: string, ttlS: number): Promise<{ url: string; expiresAt: Date }> {
  const exp = Math.floor(Date.now() / 1000) + ttlS;
  const sig = b64url(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(`${sessionId}/${track}/${exp}`)));
  return { url: `${origin}/recordings/${sessionId}/${track}?exp=${exp}&sig=${sig}`, expiresAt: new Date(exp * 1000) };
}

export async function checkRecordingSignature(secret: string, sessionId: string, track: string, exp: string, sig: string): Promise<"ok" | "expired" | "invalid"> {
  if (!/^\d{1,12}$/.test(exp)) return "invalid";
  const expected = b64url(await crypto.subtle.sign("HMAC", await hmacKey(secret), encoder.encode(`${sessionId}/${track}/${exp}`)));
  // Compare without an early exit so the time taken says nothing about the signature.
  let diff = expected.length ^ sig.length;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ (sig.charCodeAt(i) || 0);
  if (diff !== 0) return "invalid";
  return Number(exp) * 1000 < Date.now() ? "expired" : "ok";
}

// Secret values at rest (tool secret headers): AES-256-GCM with the Worker's SECRETS_KEY, stored
// as `v1.<iv>.<ciphertext>` (base64url). Decrypted only where a runtime needs them.
// Typed through `crypto.subtle` rather than the DOM's CryptoKey, so the seed script (Node) can seal too.
type SecretsCryptoKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;
type GcmParams = { name: "AES-GCM"; iv: Uint8Array<ArrayBuffer>; additionalData?: Uint8Array<ArrayBuffer> };

const keys = new Map<string, Promise<SecretsCryptoKey>>();

function b64url(bytes: Uint8Array): string {
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromB64(s: string): Uint8Array<ArrayBuffer> {
  const bin = atob(s.replace(/-/g, "+").replace(/_/g, "/"));
  return Uint8Array.from(bin, (c) => c.charCodeAt(0));
}

export function decodeSecretsKey(base64Key: string): Uint8Array<ArrayBuffer> | null {
  try {
    const raw = fromB64(base64Key);
    return raw.length === 32 ? raw : null;
  } catch {
    return null;
  }
}

function importKey(base64Key: string): Promise<SecretsCryptoKey> {
  let key = keys.get(base64Key);
  if (!key) {
    const raw = decodeSecretsKey(base64Key);
    if (!raw) throw new Error("SECRETS_KEY must be 32 bytes, base64");
    key = crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
    keys.set(base64Key, key);
  }
  return key;
}

function gcm(iv: Uint8Array<ArrayBuffer>, additionalData: string | undefined): GcmParams {
  return additionalData === undefined ? { name: "AES-GCM", iv } : { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(additionalData) };
}

/** `additionalData` binds the ciphertext to its context (e.g. a credential's id and URL): decrypting
 *  with any other context fails, so a sealed value copied next to another URL is useless. */
export async function encryptJson(base64Key: string, value: unknown, additionalData?: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const plain = new TextEncoder().encode(JSON.stringify(value));
  const cipher = new Uint8Array(await crypto.subtle.encrypt(gcm(iv, additionalData), await importKey(base64Key), plain));
  return `v1.${b64url(iv)}.${b64url(cipher)}`;
}

export async function decryptJson(base64Key: string, sealed: string, additionalData?: string): Promise<unknown> {
  const [version, iv, cipher] = sealed.split(".");
  if (version !== "v1" || !iv || !cipher) throw new Error("unknown secret format");
  const plain = await crypto.subtle.decrypt(gcm(fromB64(iv), additionalData), await importKey(base64Key), fromB64(cipher));
  return JSON.parse(new TextDecoder().decode(plain));
}

export function generateSecretsKey(): string {
  return b64url(crypto.getRandomValues(new Uint8Array(32)));
}

// Space API keys: `sk_` + 32 random bytes (base64url). Only a SHA-256 of the key is stored.
export const apiKeyPrefix = "sk_";

export async function sha256Hex(value: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(value));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function randomToken(bytes = 32): string {
  const raw = crypto.getRandomValues(new Uint8Array(bytes));
  let bin = "";
  for (const b of raw) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function generateApiKey(): { key: string; prefix: string } {
  const key = apiKeyPrefix + randomToken(32);
  return { key, prefix: key.slice(0, 10) };
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(apiKeyPrefix);
}

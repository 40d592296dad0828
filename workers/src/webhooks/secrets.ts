// Signing secrets of endpoints and inbound routes, and endpoints' custom headers, at rest: AES-GCM
// (lib/secrets.ts) bound to the row's id, so a sealed value copied onto another row is useless.
// Custom headers are bound to the endpoint's URL origin too: they are only ever sent there.
import { z } from "zod";
import { text } from "@speaknode/contracts";
import { decryptJson, encryptJson } from "../lib/secrets.ts";

const Secret = text().min(1);
const Headers = z.record(text(), text());

/** A new Standard Webhooks secret: `whsec_` + base64 of 24 random bytes. */
export function generateWebhookSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return `whsec_${btoa(bin)}`;
}

/** What the API shows of a secret: its last 4 characters. */
export function secretHint(secret: string): string {
  return `…${secret.slice(-4)}`;
}

const secretContext = (rowId: string) => `webhook-secret:${rowId}`;
const headersContext = (endpointId: string, origin: string) => `webhook-headers:${endpointId}:${origin}`;

export function sealSecret(secretsKey: string, rowId: string, secret: string): Promise<string> {
  return encryptJson(secretsKey, secret, secretContext(rowId));
}

export async function openSecret(secretsKey: string, rowId: string, sealed: string): Promise<string> {
  return Secret.parse(await decryptJson(secretsKey, sealed, secretContext(rowId)));
}

/** Seals custom headers for the endpoint at this URL's origin. */
export function sealHeaders(secretsKey: string, endpointId: string, url: string, headers: Record<string, string>): Promise<string> {
  return encryptJson(secretsKey, headers, headersContext(endpointId, new URL(url).origin));
}

/** The custom headers, or null when they were sealed for another origin (they are never sent elsewhere). */
export async function openHeaders(secretsKey: string, endpointId: string, url: string, sealed: string): Promise<Record<string, string> | null> {
  try {
    return Headers.parse(await decryptJson(secretsKey, sealed, headersContext(endpointId, new URL(url).origin)));
  } catch {
    return null;
  }
}

// A VoxImplant connection's secrets and settings. Sealed (AES-GCM, bound to the connection, its
// provider and account like every connection secret): the service account key file and the
// scenario secret, the bearer token the connection's VoxEngine scenario sends to the edge
// (32 random bytes, base64url; rotated by an Owner). Settings are not secret: application and
// rule ids, media encoding and the key's id.
import { z } from "zod";
import { text, VoximplantEncoding, VoximplantServiceAccountKey } from "@speaknode/contracts";
import type { Config } from "../../config.ts";
import { decryptJson, encryptJson } from "../../lib/secrets.ts";
import type { ConnectionRow } from "../connections.ts";
import { VoximplantClient } from "./client.ts";
import { voximplantSigner } from "./jwt.ts";

export const VoximplantSecrets = z.object({ serviceAccountKey: VoximplantServiceAccountKey, scenarioSecret: text().min(32) });
export type VoximplantSecrets = z.infer<typeof VoximplantSecrets>;

export const VoximplantSettings = z.object({
  applicationId: z.number().int().max(Number.MAX_SAFE_INTEGER),
  ruleId: z.number().int().max(Number.MAX_SAFE_INTEGER),
  encoding: VoximplantEncoding,
  keyId: text(),
});
export type VoximplantSettings = z.infer<typeof VoximplantSettings>;

const additionalData = (id: string, accountId: string) => `telephony-connection:${id}:voximplant:${accountId}`;

export function newScenarioSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export async function sealVoximplantSecrets(secretsKey: string, id: string, secrets: VoximplantSecrets): Promise<{ accountId: string; secret: string; secretHint: string }> {
  const accountId = String(secrets.serviceAccountKey.account_id);
  return { accountId, secret: await encryptJson(secretsKey, secrets, additionalData(id, accountId)), secretHint: `…${secrets.serviceAccountKey.key_id.slice(-4)}` };
}

export async function openVoximplantSecrets(secretsKey: string, row: Pick<ConnectionRow, "id" | "provider" | "accountId" | "secret">): Promise<VoximplantSecrets> {
  if (row.provider !== "voximplant") throw new Error(`connection ${row.id} is not a VoxImplant connection`);
  return VoximplantSecrets.parse(await decryptJson(secretsKey, row.secret, additionalData(row.id, row.accountId)));
}

export function voximplantSettings(row: Pick<ConnectionRow, "settings">): VoximplantSettings {
  return VoximplantSettings.parse(row.settings);
}

export function voximplantClient(config: Config, key: VoximplantServiceAccountKey, fetchImpl?: typeof fetch): VoximplantClient {
  return new VoximplantClient({ baseUrl: config.telephony.voximplantApiBaseUrl, signer: voximplantSigner(key), timeoutMs: config.telephony.timeoutMs, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
}

export async function voximplantClientFor(config: Config, row: ConnectionRow, fetchImpl?: typeof fetch): Promise<VoximplantClient> {
  return voximplantClient(config, (await openVoximplantSecrets(config.secretsKey, row)).serviceAccountKey, fetchImpl);
}

/** Constant-time comparison of the bearer a scenario sent with the connection's secret. */
export function scenarioSecretMatches(sent: string, expected: string): boolean {
  const a = new TextEncoder().encode(sent);
  const b = new TextEncoder().encode(expected);
  let diff = a.length ^ b.length;
  for (let i = 0; i < b.length; i++) diff |= (a[i % Math.max(a.length, 1)] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

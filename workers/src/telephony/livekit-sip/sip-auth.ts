// The digest credentials a Twilio connection's calls present to its LiveKit inbound trunk
// (`<Dial><Sip username password>`): made by the platform on the first sync, kept sealed in the
// connection's provider_state (bound to the connection), never shown.
import type { Config } from "../../config.ts";
import { decryptJson, encryptJson } from "../../lib/secrets.ts";
import type { ConnectionRow } from "../connections.ts";
import { connectionSipState } from "./state.ts";
import { z } from "zod";
import { text } from "@speaknode/contracts";

export interface SipDigest {
  username: string;
  password: string;
}

const Digest = z.object({ username: text().min(1), password: text().min(1) });
const additionalData = (connectionId: string) => `telephony-connection-sip-auth:${connectionId}`;
const randomText = (bytes: number) => btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(bytes)))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** The connection's credentials for its inbound trunk, or null before the first sync made them. */
export async function twilioSipAuth(config: Config, row: ConnectionRow): Promise<SipDigest | null> {
  const sealed = connectionSipState(row.providerState).sipAuth;
  if (!sealed) return null;
  return Digest.parse(await decryptJson(config.secretsKey, sealed, additionalData(row.id)));
}

/** New credentials, sealed for the connection's provider_state. */
export async function newSipAuth(secretsKey: string, connectionId: string): Promise<{ digest: SipDigest; sealed: string }> {
  const digest = { username: `sn${randomText(9)}`, password: randomText(24) };
  return { digest, sealed: await encryptJson(secretsKey, digest, additionalData(connectionId)) };
}

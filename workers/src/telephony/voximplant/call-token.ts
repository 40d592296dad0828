// The small tokens of a VoxImplant call. StartScenarios' custom data holds at most 200 bytes
// (VoxEngine.customData), too little for a JWT, so an outbound call carries a 22-character HMAC of
// its session, connection and limits (keyed with the runtime token secret) that the scenario
// hands back to /calls; the bridge URL's JWT (role "voximplant", single use at the bridge) is
// minted only then.
import { signSessionToken } from "@speaknode/tokens";
import type { Config } from "../../config.ts";

/** Lifetime of the bridge token: the scenario opens its WebSocket within seconds of /calls. */
export const bridgeTokenTtlS = 120;

const b64url = (bytes: Uint8Array) => {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
};

export interface OutboundCustomData {
  v: 1;
  kind: "outbound";
  sessionId: string;
  token: string;
  ringS: number;
  maxS: number;
}

async function mac(secret: string, text: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return b64url(new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(text)))).slice(0, 22);
}

const macInput = (connectionId: string, d: Pick<OutboundCustomData, "sessionId" | "ringS" | "maxS">) => `voximplant-outbound:${connectionId}:${d.sessionId}:${d.ringS}:${d.maxS}`;

export async function outboundCustomData(tokenSecret: string, connectionId: string, d: { sessionId: string; ringS: number; maxS: number }): Promise<OutboundCustomData> {
  return { v: 1, kind: "outbound", sessionId: d.sessionId, token: await mac(tokenSecret, macInput(connectionId, d)), ringS: d.ringS, maxS: d.maxS };
}

/** Constant-time check of a token the scenario handed back. */
export async function outboundTokenValid(tokenSecret: string, connectionId: string, d: { sessionId: string; token: string; ringS: number; maxS: number }): Promise<boolean> {
  const expected = await mac(tokenSecret, macInput(connectionId, d));
  if (expected.length !== d.token.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ d.token.charCodeAt(i);
  return diff === 0;
}

/** The bridge URL for a call's session, with its single-use media token. */
export async function bridgeUrlFor(config: Config, s: { sessionId: string; agentId: string; callId?: string }): Promise<string> {
  const token = await signSessionToken(config.runtime.tokenSecret, { sessionId: s.sessionId, agentId: s.agentId, scope: "media", role: "voximplant", ...(s.callId ? { callId: s.callId } : {}), ttlS: bridgeTokenTtlS });
  const url = new URL(config.telephony.voximplantBridgeUrl);
  url.searchParams.set("token", token);
  return url.toString();
}

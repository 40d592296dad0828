// Phone fixtures for the outbound-call, hang-up and transfer tests (workerd only): a Twilio
// connection and a number written straight to the database, and Twilio's REST API faked behind
// the global fetch, answering as Twilio documents (a Call resource, or its error body
// `{ code, message, more_info, status }`) and keeping every request it got.
import { vi } from "vitest";
import { newId } from "@speaknode/contracts";
import { phoneNumbers, telephonyConnections } from "@speaknode/db";
import { sealTwilioAuth } from "../src/telephony/connections.ts";
import { testEnv, withDb } from "./helpers.ts";

export interface PhoneFixture {
  connectionId: string;
  accountSid: string;
  authToken: string;
  phoneNumberId: string;
  e164: string;
}

const hex = (n: number) => Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => b.toString(16).padStart(2, "0")).join("");

/** A Twilio connection of the space with one number (US destinations, five calls at once by default). */
export async function phoneFixture(spaceId: string, settings: { allowedCountries?: string[]; maxConcurrentCalls?: number; e164?: string } = {}): Promise<PhoneFixture> {
  const connectionId = newId("telephonyConnection");
  const phoneNumberId = newId("phoneNumber");
  const accountSid = `AC${hex(16)}`;
  const e164 = settings.e164 ?? `+1415555${String(1000 + Math.floor(Math.random() * 9000))}`;
  const authToken = `token-${hex(8)}`;
  const sealed = await sealTwilioAuth(testEnv.SECRETS_KEY, connectionId, accountSid, { type: "auth_token", authToken });
  await withDb(async (db) => {
    await db.insert(telephonyConnections).values({ id: connectionId, spaceId, provider: "twilio", name: `Twilio ${connectionId}`, accountId: accountSid, ...sealed });
    await db.insert(phoneNumbers).values({
      id: phoneNumberId,
      spaceId,
      connectionId,
      e164,
      providerNumberId: `PN${hex(16)}`,
      allowedCountries: settings.allowedCountries ?? ["US"],
      maxConcurrentCalls: settings.maxConcurrentCalls ?? 5,
    });
  });
  return { connectionId, accountSid, authToken, phoneNumberId, e164 };
}

export interface TwilioRequest {
  method: string;
  /** The path under /2010-04-01. */
  path: string;
  form: URLSearchParams;
  authorization: string | null;
}

export type TwilioAnswer = { status: number; body: Record<string, unknown>; headers?: Record<string, string> };

/** A Twilio error body as Twilio sends it. */
export function twilioError(status: number, code: number, message: string, headers?: Record<string, string>): TwilioAnswer {
  return { status, body: { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status }, ...(headers ? { headers } : {}) };
}

/** A Call resource in Twilio's shape. */
export function twilioCall(sid: string, status: string, fields: { from?: string; to?: string; accountSid?: string } = {}): TwilioAnswer {
  return {
    status: 201,
    body: { sid, account_sid: fields.accountSid ?? `AC${"0".repeat(32)}`, status, direction: "outbound-api", from: fields.from ?? "", to: fields.to ?? "", duration: null, uri: `/2010-04-01/Accounts/x/Calls/${sid}.json` },
  };
}

export const callSid = () => `CA${hex(16)}`;

/**
 * Fakes Twilio's REST API: each request to `/2010-04-01/…` is recorded and answered by `answer`
 * ("unreachable" throws as a network failure does). Everything else goes to the real fetch.
 */
export function fakeTwilio(answer: (req: TwilioRequest) => TwilioAnswer | "unreachable"): { requests: TwilioRequest[] } {
  const requests: TwilioRequest[] = [];
  const realFetch = globalThis.fetch;
  vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (!url.pathname.startsWith("/2010-04-01/")) return realFetch(input, init);
    const req: TwilioRequest = { method: request.method, path: url.pathname.slice("/2010-04-01".length), form: new URLSearchParams(new TextDecoder().decode(await request.arrayBuffer())), authorization: request.headers.get("authorization") };
    requests.push(req);
    const reply = answer(req);
    if (reply === "unreachable") throw new TypeError("fetch failed: connection refused");
    return new Response(JSON.stringify(reply.body), { status: reply.status, headers: { "content-type": "application/json", ...reply.headers } });
  });
  return { requests };
}

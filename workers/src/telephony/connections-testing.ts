// Test helpers for the connection and number operations (workerd only): a fake Twilio put in
// place of `fetch` (other hosts still reach the real fetch: the database proxy), and a connection
// made through the API for one of its accounts.
import { vi } from "vitest";
import { call, type World } from "../../test/helpers.ts";
import { FakeTwilio } from "./twilio/fake-twilio.ts";

/** A fake Twilio at the platform's default base URL, answering every fetch to it. Undo with vi.unstubAllGlobals(). */
export function stubTwilio(): FakeTwilio {
  const twilio = new FakeTwilio("https://api.twilio.com", globalThis.fetch);
  vi.stubGlobal("fetch", twilio.fetch);
  return twilio;
}

export interface Connected {
  connectionId: string;
  accountSid: string;
  authToken: string;
}

/** A Twilio account of the fake, connected to the world's space by its Owner (Auth Token). */
export async function connectAccount(w: World, twilio: FakeTwilio, name = `Twilio ${crypto.randomUUID().slice(0, 8)}`): Promise<Connected> {
  const account = twilio.addAccount();
  const res = await call("POST", `/v1/spaces/${w.spaceId}/telephony-connections`, { token: w.owner.token, json: { provider: "twilio", name, accountSid: account.accountSid, auth: { type: "auth_token", authToken: account.authToken } } });
  if (res.status !== 201) throw new Error(`connecting failed: ${res.status} ${res.text}`);
  return { connectionId: String(res.body["id"]), accountSid: account.accountSid, authToken: account.authToken };
}

/** Imports the numbers through the API; returns the phone number ids in order. */
export async function importNumbers(w: World, connectionId: string, providerNumberIds: string[], extra: Record<string, unknown> = {}): Promise<string[]> {
  const res = await call("POST", `/v1/spaces/${w.spaceId}/phone-numbers/import`, { token: w.owner.token, json: { connectionId, providerNumberIds, ...extra } });
  if (res.status !== 201) throw new Error(`import failed: ${res.status} ${res.text}`);
  return (res.body["imported"] as { id: string }[]).map((n) => n.id);
}

// The embedded default's phone side, shared by `npm run dev`, `npm run bench` and the e2e tests:
// the demo space's simulated Twilio connection and number (bound to the demo agent) in the
// database, and the Twilio simulator (simulators/twilio) that holds the same account and number,
// whose webhooks point at this stack's Worker exactly as importing the number would have set them.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  demoAgentId,
  demoPhoneNumber,
  demoPhoneNumberId,
  demoPhoneNumberSid,
  demoSpaceId,
  demoTelephonyConnectionId,
  demoTwilioAccountSid,
  phoneNumbers,
  telephonyConnections,
  type Database,
} from "@speaknode/db";
import { sealTwilioAuth } from "../workers/src/telephony/connections.ts";
import { startTwilioSimulator, type TwilioSimulator } from "../simulators/twilio/src/server.ts";
import { ensureDir } from "./lib.ts";

/** The simulated account's Auth Token: 32 hex digits like Twilio's, made once per checkout. */
export function simulatedAuthToken(dir: string): string {
  const file = join(ensureDir(dir), "twilio-sim-auth-token");
  if (existsSync(file)) return readFileSync(file, "utf8").trim();
  const token = randomBytes(16).toString("hex");
  writeFileSync(file, token, { mode: 0o600 });
  return token;
}

/** Where the simulated number's calls and status callbacks go: this stack's Worker. */
export function demoWebhookUrls(workerUrl: string): { voiceUrl: string; statusUrl: string } {
  const base = `${workerUrl}/telephony/twilio/${demoTelephonyConnectionId}`;
  return { voiceUrl: `${base}/voice`, statusUrl: `${base}/status` };
}

/** The demo connection (credentials sealed with the Worker's key) and number; safe on every start. */
export async function seedDemoTelephony(db: Database, secretsKey: string, authToken: string): Promise<void> {
  const sealed = await sealTwilioAuth(secretsKey, demoTelephonyConnectionId, demoTwilioAccountSid, { type: "auth_token", authToken });
  await db
    .insert(telephonyConnections)
    .values({ id: demoTelephonyConnectionId, spaceId: demoSpaceId, provider: "twilio", name: "Twilio simulator", accountId: demoTwilioAccountSid, ...sealed })
    .onConflictDoUpdate({ target: telephonyConnections.id, set: sealed });
  await db
    .insert(phoneNumbers)
    .values({
      id: demoPhoneNumberId,
      spaceId: demoSpaceId,
      connectionId: demoTelephonyConnectionId,
      e164: demoPhoneNumber,
      providerNumberId: demoPhoneNumberSid,
      friendlyName: "Speaknode demo line (simulated)",
      agentId: demoAgentId,
      // A simulated line reaches only simulated phones, so every destination is allowed — including the
      // +1 555 numbers the simulator's phones use, which belong to no country. Real numbers import with
      // their own country only.
      allowedCountries: ["*"],
      maxConcurrentCalls: 20,
      previousConfig: { VoiceUrl: null, VoiceMethod: "POST", StatusCallback: null, StatusCallbackMethod: "POST", VoiceApplicationSid: null },
    })
    .onConflictDoNothing();
}

/** The Twilio simulator holding the demo account and number, pointed at `workerUrl`. */
export async function startDemoTwilioSimulator(opts: { workerUrl: string; authToken: string; port?: number; quiet?: boolean }): Promise<TwilioSimulator> {
  const { voiceUrl, statusUrl } = demoWebhookUrls(opts.workerUrl);
  return startTwilioSimulator({
    host: "127.0.0.1",
    port: opts.port ?? 0,
    accounts: [
      {
        accountSid: demoTwilioAccountSid,
        authToken: opts.authToken,
        numbers: [
          { sid: demoPhoneNumberSid, phoneNumber: demoPhoneNumber, friendlyName: "Speaknode demo line (simulated)", voiceUrl, statusCallback: statusUrl },
          // Two more of the account's numbers, not imported yet: the dashboard's import dialog and
          // POST /v1/spaces/{id}/phone-numbers/import have something to take (and release gives back).
          { sid: "PN00000000000000000000000000000d2a", phoneNumber: "+15555550101", friendlyName: "Sales line (simulated)", voiceUrl: "https://example.com/old-ivr/voice", statusCallback: null },
          { sid: "PN00000000000000000000000000000d3a", phoneNumber: "+15555550102", friendlyName: "Support line (simulated)", voiceUrl: null, statusCallback: null },
        ],
      },
    ],
    ...(opts.quiet ? { log: () => {} } : {}),
  });
}

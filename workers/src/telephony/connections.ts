// A space's telephony connections: their provider secrets sealed at rest (AES-GCM, bound to the
// connection, its provider and account, so a sealed secret copied onto another row does not
// open), the provider client built from them, and the webhook URLs the provider calls back.
import type { Context } from "hono";
import { and, eq } from "drizzle-orm";
import { TwilioAuth } from "@speaknode/contracts";
import { telephonyConnections, type Database } from "@speaknode/db";
import type { Config } from "../config.ts";
import type { AppEnv } from "../context.ts";
import { decryptJson, encryptJson } from "../lib/secrets.ts";
import { publicOrigin } from "../lib/public-url.ts";
import { TwilioClient, type TwilioCredentials } from "./twilio/client.ts";

export type ConnectionRow = typeof telephonyConnections.$inferSelect;

const additionalData = (id: string, provider: string, accountId: string) => `telephony-connection:${id}:${provider}:${accountId}`;

/** The sealed secret and its hint for a Twilio connection's credentials. */
export async function sealTwilioAuth(secretsKey: string, id: string, accountSid: string, auth: TwilioAuth): Promise<{ secret: string; secretHint: string }> {
  const shown = auth.type === "api_key" ? auth.apiKeySecret : auth.authToken;
  return { secret: await encryptJson(secretsKey, auth, additionalData(id, "twilio", accountSid)), secretHint: `…${shown.slice(-4)}` };
}

/** The connection's credentials, opened only where they are used. */
export async function twilioCredentials(secretsKey: string, row: ConnectionRow): Promise<TwilioCredentials> {
  if (row.provider !== "twilio") throw new Error(`connection ${row.id} is not a Twilio connection`);
  const auth = TwilioAuth.parse(await decryptJson(secretsKey, row.secret, additionalData(row.id, row.provider, row.accountId)));
  return { accountSid: row.accountId, auth };
}

/** The auth token Twilio signs its webhooks with (an API key never signs). */
export function webhookSigningToken(credentials: TwilioCredentials): string {
  return credentials.auth.authToken;
}

/** Twilio's REST client for these credentials, at the platform's configured Twilio base URL. */
export function twilioClient(config: Config, credentials: TwilioCredentials, fetchImpl?: typeof fetch): TwilioClient {
  return new TwilioClient({ baseUrl: config.telephony.twilioApiBaseUrl, credentials, timeoutMs: config.telephony.timeoutMs, ...(fetchImpl ? { fetch: fetchImpl } : {}) });
}

export async function twilioClientFor(config: Config, row: ConnectionRow): Promise<TwilioClient> {
  return twilioClient(config, await twilioCredentials(config.secretsKey, row));
}

/** Where Twilio calls the platform back for a connection's numbers and calls. */
export function twilioWebhookUrls(c: Context<AppEnv>, connectionId: string): { voiceUrl: string; statusUrl: string; amdUrl: string } {
  return twilioWebhookUrlsAt(publicOrigin(c), connectionId);
}

/** The same, from a public origin (outside a request: a campaign's runner). */
export function twilioWebhookUrlsAt(origin: string, connectionId: string): { voiceUrl: string; statusUrl: string; amdUrl: string } {
  const base = `${origin}/telephony/twilio/${connectionId}`;
  return { voiceUrl: `${base}/voice`, statusUrl: `${base}/status`, amdUrl: `${base}/amd` };
}

export async function loadConnectionRow(db: Database, spaceId: string, id: string): Promise<ConnectionRow | undefined> {
  const [row] = await db.select().from(telephonyConnections).where(and(eq(telephonyConnections.id, id), eq(telephonyConnections.spaceId, spaceId)));
  return row;
}

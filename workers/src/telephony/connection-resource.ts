// A telephony connection as the API shows it, loaded for a caller of its space, and the check of
// new Twilio credentials against Twilio before anything is stored.
import type { Context } from "hono";
import { count, eq, inArray } from "drizzle-orm";
import { TelephonyProviderName, type SpaceRole, type TelephonyConnection, type TwilioAuth } from "@speaknode/contracts";
import { phoneNumbers, telephonyConnections, type Database } from "@speaknode/db";
import type { Config } from "../config.ts";
import type { AppEnv } from "../context.ts";
import { requireInSpace } from "../auth/access.ts";
import { ApiError } from "../errors.ts";
import { iso } from "../lib/openapi.ts";
import { twilioClient, twilioCredentials, type ConnectionRow } from "./connections.ts";
import { credentialsCheckError } from "./provider-errors.ts";

export const connectionResource = "telephony connection";

/** The connection for a caller of its space with `need`; outside the space the same 404 as a made-up id. */
export async function loadConnection(c: Context<AppEnv>, connectionId: string, need: SpaceRole = "member"): Promise<ConnectionRow> {
  const [row] = await c.get("db").select().from(telephonyConnections).where(eq(telephonyConnections.id, connectionId));
  return (await requireInSpace(c, connectionResource, row, need)).row;
}

/** How many numbers each connection holds. */
export async function numberCounts(db: Database, connectionIds: string[]): Promise<Map<string, number>> {
  if (connectionIds.length === 0) return new Map();
  const rows = await db
    .select({ connectionId: phoneNumbers.connectionId, n: count() })
    .from(phoneNumbers)
    .where(inArray(phoneNumbers.connectionId, connectionIds))
    .groupBy(phoneNumbers.connectionId);
  return new Map(rows.map((r) => [r.connectionId, r.n]));
}

/** The API's view: the account id and a hint of the secret, never the secret. The auth type is
 *  inside the sealed secret (the table has no column for it), so it is opened here. */
export async function toTelephonyConnection(config: Config, row: ConnectionRow, numberCount: number): Promise<TelephonyConnection> {
  const credentials = await twilioCredentials(config.secretsKey, row);
  return {
    id: row.id,
    spaceId: row.spaceId,
    provider: TelephonyProviderName.parse(row.provider),
    name: row.name,
    accountId: row.accountId,
    authType: credentials.auth.type,
    secretHint: row.secretHint,
    numberCount,
    voximplant: null,
    livekitSip: null,
    version: row.version,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

/**
 * Asks Twilio whether these credentials open this account, before they are stored. An API key is
 * checked, and so is the Auth Token that comes with it: Twilio signs its webhooks with the token,
 * so a wrong one would refuse every call later, silently. Throws the API's answer when not.
 */
export async function checkTwilioCredentials(config: Config, accountSid: string, auth: TwilioAuth): Promise<void> {
  const checks: { auth: TwilioAuth; fields: string[] }[] =
    auth.type === "api_key"
      ? [
          { auth, fields: ["body.auth.apiKeySid", "body.auth.apiKeySecret"] },
          { auth: { type: "auth_token", authToken: auth.authToken }, fields: ["body.auth.authToken"] },
        ]
      : [{ auth, fields: ["body.auth.authToken"] }];
  for (const check of checks) {
    let status: string;
    try {
      status = (await twilioClient(config, { accountSid, auth: check.auth }).fetchAccount()).status;
    } catch (err) {
      throw credentialsCheckError(err, check.fields);
    }
    if (status !== "active") {
      throw new ApiError("validation_failed", "the Twilio account cannot be used", { errors: [{ field: "body.accountSid", message: `the Twilio account is ${status}, not active` }] });
    }
  }
}

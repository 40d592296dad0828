// A telephony connection as the API shows it (its provider's ops fill the provider's part), and
// loading one for a caller of its space.
import type { Context } from "hono";
import { count, eq, inArray } from "drizzle-orm";
import { TelephonyProviderName, type SpaceRole, type TelephonyConnection } from "@speaknode/contracts";
import { phoneNumbers, telephonyConnections, type Database } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireInSpace } from "../auth/access.ts";
import { iso } from "../lib/openapi.ts";
import type { ConnectionRow } from "./connections.ts";
import { opsFor } from "./ops-registry.ts";

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

/** The API's view: the account id and a hint of the secret, never the secret. */
export async function toTelephonyConnection(c: Context<AppEnv>, row: ConnectionRow, numberCount: number): Promise<TelephonyConnection> {
  const view = await opsFor(row.provider).view(c, row);
  return {
    id: row.id,
    spaceId: row.spaceId,
    provider: TelephonyProviderName.parse(row.provider),
    name: row.name,
    accountId: row.accountId,
    authType: view.authType,
    secretHint: row.secretHint,
    numberCount,
    voximplant: view.voximplant,
    livekitSip: view.livekitSip,
    version: row.version,
    createdAt: iso(row.createdAt),
    updatedAt: iso(row.updatedAt),
  };
}

// An Owner removes a telephony connection that holds no numbers. Its numbers must be released
// first, which puts each one's previous provider settings back; deleting the connection under them
// would leave the provider calling a platform that no longer answers for them. A connection
// provisioned at LiveKit loses its trunks there first (kept when LiveKit cannot be reached).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, notExists } from "drizzle-orm";
import { phoneNumbers, telephonyConnections } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, noContent, problemSpec } from "../lib/openapi.ts";
import { connectionResource, loadConnection, numberCounts } from "../telephony/connection-resource.ts";
import { removeConnectionSip } from "../telephony/livekit-sip/provision.ts";
import { ConnectionParams } from "./params-telephony.ts";

const stillHolds = (held: number) =>
  new ApiError("conflict", `this connection still holds ${held} phone number${held === 1 ? "" : "s"}; release them first (DELETE /v1/phone-numbers/{id}), which gives the provider back their previous settings`);

export const route = createRoute({
  method: "delete",
  path: "/v1/telephony-connections/{connectionId}",
  tags: ["telephony"],
  summary: "Delete a telephony connection that holds no numbers (Owner)",
  security: bearerSecurity,
  request: { params: ConnectionParams },
  responses: { 204: noContent, ...errorResponses, 409: problemSpec("The connection still holds numbers"), 503: problemSpec("LiveKit could not remove the connection's trunks; the connection was kept") },
});

export function registerTelephonyConnectionsDelete(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const row = await loadConnection(c, c.req.valid("param").connectionId, "owner");
    const db = c.get("db");
    const held = (await numberCounts(db, [row.id])).get(row.id) ?? 0;
    if (held > 0) throw stillHolds(held);
    try {
      await removeConnectionSip({ db, config: c.get("config") }, row);
    } catch (err) {
      throw new ApiError("upstream_unavailable", `LiveKit could not remove the connection's trunks (${err instanceof Error ? err.message : String(err)}); the connection was kept, try again`);
    }
    // One statement: a number imported meanwhile keeps the connection (no cascade past a number).
    const holdsNone = notExists(db.select({ id: phoneNumbers.id }).from(phoneNumbers).where(eq(phoneNumbers.connectionId, telephonyConnections.id)));
    const [deleted] = await db.delete(telephonyConnections).where(and(eq(telephonyConnections.id, row.id), holdsNone)).returning({ id: telephonyConnections.id });
    if (!deleted) {
      const now = (await numberCounts(db, [row.id])).get(row.id) ?? 0;
      if (now === 0) throw notFound(connectionResource); // deleted meanwhile
      throw stillHolds(now);
    }
    return c.body(null, 204);
  });
}

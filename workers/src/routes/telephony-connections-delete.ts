// An Owner removes a telephony connection that holds no numbers. Its numbers must be released
// first, which puts each one's previous Twilio settings back; deleting the connection under them
// would leave Twilio calling a platform that no longer answers for them.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, notExists } from "drizzle-orm";
import { phoneNumbers, telephonyConnections } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError, notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, noContent, problemSpec } from "../lib/openapi.ts";
import { connectionResource, loadConnection, numberCounts } from "../telephony/connection-resource.ts";
import { ConnectionParams } from "./params-telephony.ts";

export const route = createRoute({
  method: "delete",
  path: "/v1/telephony-connections/{connectionId}",
  tags: ["telephony"],
  summary: "Delete a telephony connection that holds no numbers (Owner)",
  security: bearerSecurity,
  request: { params: ConnectionParams },
  responses: { 204: noContent, ...errorResponses, 409: problemSpec("The connection still holds numbers") },
});

export function registerTelephonyConnectionsDelete(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const row = await loadConnection(c, c.req.valid("param").connectionId, "owner");
    const db = c.get("db");
    // One statement: a number imported meanwhile keeps the connection (no cascade past a number).
    const holdsNone = notExists(db.select({ id: phoneNumbers.id }).from(phoneNumbers).where(eq(phoneNumbers.connectionId, telephonyConnections.id)));
    const [deleted] = await db.delete(telephonyConnections).where(and(eq(telephonyConnections.id, row.id), holdsNone)).returning({ id: telephonyConnections.id });
    if (!deleted) {
      const held = (await numberCounts(db, [row.id])).get(row.id) ?? 0;
      if (held === 0) throw notFound(connectionResource); // deleted meanwhile
      throw new ApiError("conflict", `this connection still holds ${held} phone number${held === 1 ? "" : "s"}; release them first (DELETE /v1/phone-numbers/{id}), which gives Twilio back their previous settings`);
    }
    return c.body(null, 204);
  });
}

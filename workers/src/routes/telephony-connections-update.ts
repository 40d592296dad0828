// An Owner renames a connection, rotates its credentials or changes its settings. New credentials
// are checked with the provider (for the connection's own account) before they replace the stored
// ones; fields of another provider are refused. The provider's provisioning runs after a change.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, sql } from "drizzle-orm";
import { TelephonyConnection, UpdateTelephonyConnectionBody } from "@speaknode/contracts";
import { telephonyConnections } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { databaseErrorFields } from "../lib/db-error.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { loadConnection, numberCounts, toTelephonyConnection } from "../telephony/connection-resource.ts";
import { opsFor } from "../telephony/ops-registry.ts";
import { ConnectionParams } from "./params-telephony.ts";

export const route = createRoute({
  method: "patch",
  path: "/v1/telephony-connections/{connectionId}",
  tags: ["telephony"],
  summary: "Rename a telephony connection, replace its credentials (checked with the provider first) or change its settings (Owner)",
  security: bearerSecurity,
  request: { params: ConnectionParams, body: jsonBody(UpdateTelephonyConnectionBody) },
  responses: {
    200: jsonResponse(TelephonyConnection, "The connection, without its secrets"),
    ...errorResponses,
    409: problemSpec("Another connection of the space has this name"),
    412: problemSpec("The connection changed while this update ran"),
    429: problemSpec("The provider is limiting the account's requests"),
    503: problemSpec("The provider could not be reached; nothing was changed"),
  },
});

export function registerTelephonyConnectionsUpdate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const patch = c.req.valid("json");
    const row = await loadConnection(c, c.req.valid("param").connectionId, "owner");
    const ops = opsFor(row.provider);
    const columns = await ops.update(c, row, patch);
    const [updated] = await c
      .get("db")
      .update(telephonyConnections)
      .set({ ...(patch.name !== undefined ? { name: patch.name } : {}), ...columns, version: sql`${telephonyConnections.version} + 1`, updatedAt: new Date() })
      .where(and(eq(telephonyConnections.id, row.id), eq(telephonyConnections.version, row.version)))
      .returning()
      .catch((e: unknown) => {
        if (databaseErrorFields(e)?.code === "23505") throw new ApiError("conflict", `another telephony connection of this space is already called "${patch.name ?? row.name}"`);
        throw e;
      });
    if (!updated) throw new ApiError("precondition_failed", "the telephony connection changed while this update ran: reload it");
    let shown = updated;
    if (Object.keys(columns).length > 0 && ops.afterChange) {
      await ops.afterChange(c, updated);
      const [synced] = await c.get("db").select().from(telephonyConnections).where(eq(telephonyConnections.id, row.id));
      shown = synced ?? updated;
    }
    const counts = await numberCounts(c.get("db"), [row.id]);
    return c.json(await toTelephonyConnection(c, shown, counts.get(row.id) ?? 0), 200);
  });
}

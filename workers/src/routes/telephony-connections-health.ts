// A connection's health check, for Members and API keys of its space: each thing the platform
// needs from the provider, tried now (Twilio: the stored credentials open an active account;
// LiveKit SIP: LiveKit answers and holds the connection's trunks and rules). A provider failure is
// a failed check in the answer, never an error status.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { ConnectionHealth } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { loadConnection } from "../telephony/connection-resource.ts";
import { opsFor } from "../telephony/ops-registry.ts";
import { ConnectionParams } from "./params-telephony.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/telephony-connections/{connectionId}/health",
  tags: ["telephony"],
  summary: "Check a telephony connection now: each thing the platform needs from the provider, with what went wrong",
  security: bearerSecurity,
  request: { params: ConnectionParams },
  responses: { 200: jsonResponse(ConnectionHealth, "The checks and their outcome"), ...errorResponses },
});

export function registerTelephonyConnectionsHealth(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const row = await loadConnection(c, c.req.valid("param").connectionId);
    const checks = await opsFor(row.provider).health(c, row);
    const health: ConnectionHealth = { connectionId: row.id, ok: checks.length > 0 && checks.every((x) => x.ok), checkedAt: new Date().toISOString(), checks };
    return c.json(health, 200);
  });
}

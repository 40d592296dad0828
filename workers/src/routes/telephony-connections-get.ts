// One telephony connection, for Members and API keys of its space (never its secrets).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { TelephonyConnection } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { loadConnection, numberCounts, toTelephonyConnection } from "../telephony/connection-resource.ts";
import { ConnectionParams } from "./params-telephony.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/telephony-connections/{connectionId}",
  tags: ["telephony"],
  summary: "One telephony connection, with its number count and a hint of its secret",
  security: bearerSecurity,
  request: { params: ConnectionParams },
  responses: { 200: jsonResponse(TelephonyConnection, "The connection"), ...errorResponses },
});

export function registerTelephonyConnectionsGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const row = await loadConnection(c, c.req.valid("param").connectionId);
    const counts = await numberCounts(c.get("db"), [row.id]);
    return c.json(await toTelephonyConnection(c, row, counts.get(row.id) ?? 0), 200);
  });
}

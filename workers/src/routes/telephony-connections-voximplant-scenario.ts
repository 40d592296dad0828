// The VoxEngine scenario of a VoxImplant connection, to upload to its application (Owners only: it
// holds the scenario secret), and the rotation of that secret (the old one stops working at once;
// the scenario must be uploaded again).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq, sql } from "drizzle-orm";
import { VoximplantScenario } from "@speaknode/contracts";
import { telephonyConnections } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { log } from "../lib/log.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { publicOrigin } from "../lib/public-url.ts";
import type { Context } from "hono";
import { loadConnection } from "../telephony/connection-resource.ts";
import type { ConnectionRow } from "../telephony/connections.ts";
import { newScenarioSecret, openVoximplantSecrets, sealVoximplantSecrets, voximplantSettings } from "../telephony/voximplant/credentials.ts";
import { voximplantScenario, voximplantScenarioFileName } from "../telephony/voximplant/scenario.ts";
import { ConnectionParams } from "./params-telephony.ts";

const path = "/v1/telephony-connections/{connectionId}/voximplant-scenario";

export const getRoute = createRoute({
  method: "get",
  path,
  tags: ["telephony"],
  summary: "The VoxEngine scenario to upload to the connection's VoxImplant application (Owner)",
  security: bearerSecurity,
  request: { params: ConnectionParams },
  responses: { 200: jsonResponse(VoximplantScenario, "The scenario, with this platform's URL and the connection's secret filled in"), ...errorResponses },
});

export const rotateRoute = createRoute({
  method: "post",
  path: `${path}/rotate`,
  tags: ["telephony"],
  summary: "Rotate the connection's scenario secret (Owner); upload the new scenario at once",
  security: bearerSecurity,
  request: { params: ConnectionParams },
  responses: { 200: jsonResponse(VoximplantScenario, "The scenario with the new secret"), ...errorResponses },
});

async function voximplantRow(c: Context<AppEnv>, connectionId: string): Promise<ConnectionRow> {
  const row = await loadConnection(c, connectionId, "owner");
  if (row.provider !== "voximplant") throw new ApiError("conflict", "only VoxImplant connections have a VoxEngine scenario");
  return row;
}

async function scenarioOf(c: Context<AppEnv>, row: ConnectionRow): Promise<VoximplantScenario> {
  const config = c.get("config");
  const secrets = await openVoximplantSecrets(config.secretsKey, row);
  const settings = voximplantSettings(row);
  const script = voximplantScenario({ platformOrigin: publicOrigin(c), connectionId: row.id, scenarioSecret: secrets.scenarioSecret, bridgeUrl: config.telephony.voximplantBridgeUrl, encoding: settings.encoding });
  return {
    connectionId: row.id,
    fileName: voximplantScenarioFileName(row.id),
    script,
    steps: [
      `In the VoxImplant control panel, open application ${settings.applicationId} and create a scenario named "speaknode"; paste this script into it and save.`,
      `Attach the scenario to rule ${settings.ruleId} (pattern .* so every number of the application reaches it); outbound calls start this rule.`,
      "Imported numbers are bound to the application by the platform; calls to them now reach your agents.",
      "Rotating the secret stops the uploaded scenario from working until the new one is uploaded.",
    ],
  };
}

export function registerTelephonyConnectionsVoximplantScenario(app: OpenAPIHono<AppEnv>): void {
  app.openapi(getRoute, async (c) => {
    const row = await voximplantRow(c, c.req.valid("param").connectionId);
    return c.json(await scenarioOf(c, row), 200);
  });
  app.openapi(rotateRoute, async (c) => {
    const row = await voximplantRow(c, c.req.valid("param").connectionId);
    const config = c.get("config");
    const secrets = await openVoximplantSecrets(config.secretsKey, row);
    const sealed = await sealVoximplantSecrets(config.secretsKey, row.id, { ...secrets, scenarioSecret: newScenarioSecret() });
    const [updated] = await c
      .get("db")
      .update(telephonyConnections)
      .set({ secret: sealed.secret, version: sql`${telephonyConnections.version} + 1`, updatedAt: new Date() })
      .where(eq(telephonyConnections.id, row.id))
      .returning();
    if (!updated) throw new ApiError("not_found", "telephony connection not found");
    log.info("telephony: voximplant scenario secret rotated", { requestId: c.get("requestId"), connectionId: row.id });
    return c.json(await scenarioOf(c, updated), 200);
  });
}

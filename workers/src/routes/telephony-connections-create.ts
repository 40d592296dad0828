// An Owner connects a provider account to the space (Twilio: Account SID with its Auth Token, or
// an API key). The credentials are checked against Twilio first; only credentials that open the
// account are sealed (bound to this connection and account) and stored, never returned.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { CreateTelephonyConnectionBody, newId, TelephonyConnection } from "@speaknode/contracts";
import { telephonyConnections } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { sealTwilioAuth } from "../telephony/connections.ts";
import { checkTwilioCredentials, toTelephonyConnection } from "../telephony/connection-resource.ts";
import { SpaceParams } from "./params.ts";

const nameTaken = (name: string) => new ApiError("conflict", `another telephony connection of this space is already called "${name}"`);

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/telephony-connections",
  tags: ["telephony"],
  summary: "Connect a Twilio account (Owner); the credentials are checked with Twilio before they are stored, and never returned",
  security: bearerSecurity,
  request: { params: SpaceParams, body: jsonBody(CreateTelephonyConnectionBody) },
  responses: {
    201: jsonResponse(TelephonyConnection, "The connection, without its secrets"),
    ...errorResponses,
    409: problemSpec("Another connection of the space has this name"),
    429: problemSpec("Twilio is limiting the account's requests"),
    503: problemSpec("Twilio could not be reached; nothing was stored"),
  },
});

export function registerTelephonyConnectionsCreate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const body = c.req.valid("json");
    await requireSpace(c, spaceId, "owner");
    if (body.provider !== "twilio") throw new ApiError("conflict", `${body.provider} connections are not available yet`);
    const db = c.get("db");
    const config = c.get("config");
    // A taken name is known without asking Twilio; the insert below still settles a race.
    const [clash] = await db.select({ id: telephonyConnections.id }).from(telephonyConnections).where(and(eq(telephonyConnections.spaceId, spaceId), eq(telephonyConnections.name, body.name)));
    if (clash) throw nameTaken(body.name);
    await checkTwilioCredentials(config, body.accountSid, body.auth);
    const id = newId("telephonyConnection");
    const p = c.get("principal");
    const [row] = await db
      .insert(telephonyConnections)
      .values({ id, spaceId, provider: body.provider, name: body.name, accountId: body.accountSid, ...(await sealTwilioAuth(config.secretsKey, id, body.accountSid, body.auth)), createdBy: p.type === "user" ? p.userId : null })
      .onConflictDoNothing()
      .returning();
    if (!row) throw nameTaken(body.name);
    return c.json(await toTelephonyConnection(config, row, 0), 201);
  });
}

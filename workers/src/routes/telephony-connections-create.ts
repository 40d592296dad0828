// An Owner connects a provider account to the space (Twilio: Account SID with its Auth Token, or
// an API key; VoxImplant: a service account key; LiveKit SIP: a SIP trunk's settings). The
// provider's ops check the credentials first; only credentials that work are sealed (bound to
// this connection and account) and stored, never returned. Then the provider's provisioning runs
// (LiveKit SIP: trunks at LiveKit), its outcome shown on the connection.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { CreateTelephonyConnectionBody, newId, TelephonyConnection } from "@speaknode/contracts";
import { telephonyConnections } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { requirePlan } from "../billing/admission.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { toTelephonyConnection } from "../telephony/connection-resource.ts";
import { opsFor } from "../telephony/ops-registry.ts";
import { SpaceParams } from "./params.ts";

const nameTaken = (name: string) => new ApiError("conflict", `another telephony connection of this space is already called "${name}"`);

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/telephony-connections",
  tags: ["telephony"],
  summary: "Connect a Twilio or VoxImplant account or a LiveKit SIP trunk (Owner); credentials are checked with the provider before they are stored, and never returned",
  security: bearerSecurity,
  request: { params: SpaceParams, body: jsonBody(CreateTelephonyConnectionBody) },
  responses: {
    201: jsonResponse(TelephonyConnection, "The connection, without its secrets"),
    ...errorResponses,
    409: problemSpec("Another connection of the space has this name"),
    429: problemSpec("The provider is limiting the account's requests"),
    503: problemSpec("The provider could not be reached; nothing was stored"),
  },
});

export function registerTelephonyConnectionsCreate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const body = c.req.valid("json");
    await requireSpace(c, spaceId, "owner");
    await requirePlan(c, spaceId, { feature: "telephony" });
    const db = c.get("db");
    const ops = opsFor(body.provider);
    // A taken name is known without asking the provider; the insert below still settles a race.
    const [clash] = await db.select({ id: telephonyConnections.id }).from(telephonyConnections).where(and(eq(telephonyConnections.spaceId, spaceId), eq(telephonyConnections.name, body.name)));
    if (clash) throw nameTaken(body.name);
    const id = newId("telephonyConnection");
    const columns = await ops.create(c, id, body);
    const p = c.get("principal");
    const [row] = await db
      .insert(telephonyConnections)
      .values({ id, spaceId, provider: body.provider, name: body.name, ...columns, createdBy: p.type === "user" ? p.userId : null })
      .onConflictDoNothing()
      .returning();
    if (!row) throw nameTaken(body.name);
    await ops.afterChange?.(c, row);
    const [synced] = await db.select().from(telephonyConnections).where(eq(telephonyConnections.id, id));
    return c.json(await toTelephonyConnection(c, synced ?? row, 0), 201);
  });
}

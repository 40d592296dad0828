// A space's telephony connections, each with how many numbers it holds; Members and the space's
// API keys may see them (never their secrets).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { asc, eq } from "drizzle-orm";
import { listOf, TelephonyConnection } from "@speaknode/contracts";
import { telephonyConnections } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { numberCounts, toTelephonyConnection } from "../telephony/connection-resource.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/telephony-connections",
  tags: ["telephony"],
  summary: "The space's telephony connections, by name, each with its number count and a hint of its secret",
  security: bearerSecurity,
  request: { params: SpaceParams },
  responses: { 200: jsonResponse(listOf(TelephonyConnection), "The connections"), ...errorResponses },
});

export function registerTelephonyConnectionsList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId);
    const db = c.get("db");
    const rows = await db.select().from(telephonyConnections).where(eq(telephonyConnections.spaceId, spaceId)).orderBy(asc(telephonyConnections.name));
    const counts = await numberCounts(db, rows.map((r) => r.id));
    const data = await Promise.all(rows.map((r) => toTelephonyConnection(c, r, counts.get(r.id) ?? 0)));
    return c.json({ data }, 200);
  });
}

// A space's phone numbers, optionally those bound to one agent; Members and API keys may see them.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, asc, eq } from "drizzle-orm";
import { idSchema, listOf, PhoneNumber } from "@speaknode/contracts";
import { phoneNumbers, telephonyConnections } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { toPhoneNumber } from "../telephony/numbers.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/spaces/{spaceId}/phone-numbers",
  tags: ["telephony"],
  summary: "The space's phone numbers in E.164 order, or those bound to `agentId`",
  security: bearerSecurity,
  request: { params: SpaceParams, query: z.strictObject({ agentId: idSchema("agent").optional() }) },
  responses: { 200: jsonResponse(listOf(PhoneNumber), "The phone numbers"), ...errorResponses },
});

export function registerPhoneNumbersList(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const { agentId } = c.req.valid("query");
    await requireSpace(c, spaceId);
    const rows = await c
      .get("db")
      .select({ number: phoneNumbers, provider: telephonyConnections.provider })
      .from(phoneNumbers)
      .innerJoin(telephonyConnections, eq(telephonyConnections.id, phoneNumbers.connectionId))
      .where(and(eq(phoneNumbers.spaceId, spaceId), agentId ? eq(phoneNumbers.agentId, agentId) : undefined))
      .orderBy(asc(phoneNumbers.e164), asc(phoneNumbers.id));
    return c.json({ data: rows.map((r) => toPhoneNumber(r.number, r.provider)) }, 200);
  });
}

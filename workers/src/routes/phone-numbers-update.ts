// An Owner binds a number to an agent of the space (or unbinds it) and changes its settings. A
// change of its agent or of inbound calls re-runs the connection's provisioning (LiveKit SIP: the
// number's dispatch rule).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { PhoneNumber, UpdatePhoneNumberBody } from "@speaknode/contracts";
import { phoneNumbers } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { loadPhoneNumber, numberResource, requireAgentOfSpace, toPhoneNumber } from "../telephony/numbers.ts";
import { opsFor } from "../telephony/ops-registry.ts";
import { PhoneNumberParams } from "./params-telephony.ts";

export const route = createRoute({
  method: "patch",
  path: "/v1/phone-numbers/{phoneNumberId}",
  tags: ["telephony"],
  summary: "Bind a phone number to an agent of the space (null unbinds) and change its settings (Owner)",
  security: bearerSecurity,
  request: { params: PhoneNumberParams, body: jsonBody(UpdatePhoneNumberBody) },
  responses: { 200: jsonResponse(PhoneNumber, "The phone number"), ...errorResponses },
});

export function registerPhoneNumbersUpdate(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const patch = c.req.valid("json");
    const db = c.get("db");
    const { row, connection } = await loadPhoneNumber(c, c.req.valid("param").phoneNumberId, "owner");
    if (patch.agentId) await requireAgentOfSpace(db, row.spaceId, patch.agentId);
    const [updated] = await db
      .update(phoneNumbers)
      .set({ ...patch, updatedAt: new Date() }) // drizzle leaves out what the patch leaves out (undefined)
      .where(eq(phoneNumbers.id, row.id))
      .returning();
    if (!updated) throw notFound(numberResource);
    const ops = opsFor(connection.provider);
    const routing = (patch.agentId !== undefined && patch.agentId !== row.agentId) || (patch.inboundEnabled !== undefined && patch.inboundEnabled !== row.inboundEnabled);
    if (!routing || !ops.afterChange) return c.json(toPhoneNumber(updated, connection.provider), 200);
    await ops.afterChange(c, connection);
    const [synced] = await db.select().from(phoneNumbers).where(eq(phoneNumbers.id, row.id));
    return c.json(toPhoneNumber(synced ?? updated, connection.provider), 200);
  });
}

// An Owner imports numbers a connection's provider holds. Twilio: each number's calls and call
// statuses are pointed at this platform and its previous settings kept, so releasing it gives
// them back; LiveKit SIP: numbers of the trunk, each given a dispatch rule at LiveKit. All or
// nothing: a failure part-way puts back what was changed and stores nothing.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { inArray } from "drizzle-orm";
import { ImportedPhoneNumbers, ImportPhoneNumbersBody } from "@speaknode/contracts";
import { phoneNumbers } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { loadConnectionRow } from "../telephony/connections.ts";
import { connectionResource } from "../telephony/connection-resource.ts";
import { requireAgentOfSpace, toPhoneNumber } from "../telephony/numbers.ts";
import { importNumbers } from "../telephony/numbers-import.ts";
import { opsFor } from "../telephony/ops-registry.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/phone-numbers/import",
  tags: ["telephony"],
  summary:
    "Import numbers of a connection's provider account (Owner). Twilio: their VoiceUrl and StatusCallback point here, the previous values are kept for the release; LiveKit SIP: numbers of the trunk, each given a dispatch rule. Outbound calls reach the number's own country unless allowedCountries says otherwise",
  security: bearerSecurity,
  request: { params: SpaceParams, body: jsonBody(ImportPhoneNumbersBody) },
  responses: {
    201: jsonResponse(ImportedPhoneNumbers, "The imported numbers"),
    ...errorResponses,
    409: problemSpec("A number is already imported, or the connection's credentials stopped working"),
    429: problemSpec("The provider is limiting the account's requests"),
    503: problemSpec("The provider could not be reached; nothing was imported"),
  },
});

export function registerPhoneNumbersImport(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    const body = c.req.valid("json");
    await requireSpace(c, spaceId, "owner");
    const db = c.get("db");
    const connection = await loadConnectionRow(db, spaceId, body.connectionId);
    if (!connection) throw notFound(connectionResource);
    if (body.agentId) await requireAgentOfSpace(db, spaceId, body.agentId);
    const rows = await importNumbers(c, spaceId, connection, body);
    const ops = opsFor(connection.provider);
    if (!ops.afterChange) return c.json({ imported: rows.map((r) => toPhoneNumber(r, connection.provider)) }, 201);
    // The numbers as provisioning left them (LiveKit SIP: each one's dispatch rule).
    await ops.afterChange(c, connection);
    const synced = await db.select().from(phoneNumbers).where(inArray(phoneNumbers.id, rows.map((r) => r.id)));
    const byId = new Map(synced.map((r) => [r.id, r]));
    return c.json({ imported: rows.map((r) => toPhoneNumber(byId.get(r.id) ?? r, connection.provider)) }, 201);
  });
}

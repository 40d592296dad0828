// An Owner imports numbers a connection's Twilio account holds. Each number's calls and call
// statuses are pointed at this platform and its previous settings kept, so releasing it gives
// them back. All or nothing: a failure part-way puts back what was changed and stores nothing.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { ImportedPhoneNumbers, ImportPhoneNumbersBody } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { notFound } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { loadConnectionRow } from "../telephony/connections.ts";
import { connectionResource } from "../telephony/connection-resource.ts";
import { requireAgentOfSpace, toPhoneNumber } from "../telephony/numbers.ts";
import { importNumbers } from "../telephony/numbers-import.ts";
import { SpaceParams } from "./params.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/phone-numbers/import",
  tags: ["telephony"],
  summary:
    "Import numbers of a connection's Twilio account (Owner): their VoiceUrl and StatusCallback point here, the previous values are kept for the release; outbound calls reach the number's own country unless allowedCountries says otherwise",
  security: bearerSecurity,
  request: { params: SpaceParams, body: jsonBody(ImportPhoneNumbersBody) },
  responses: {
    201: jsonResponse(ImportedPhoneNumbers, "The imported numbers"),
    ...errorResponses,
    409: problemSpec("A number is already imported, or the connection's credentials stopped working"),
    429: problemSpec("Twilio is limiting the account's requests"),
    503: problemSpec("Twilio could not be reached; nothing was imported"),
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
    return c.json({ imported: rows.map((r) => toPhoneNumber(r, connection.provider)) }, 201);
  });
}

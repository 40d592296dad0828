// The numbers a connection's provider account holds (LiveKit SIP: the trunk's numbers), a page at
// a time, for the import dialog (Owner: it reads the provider account with the stored
// credentials). Numbers already imported into the space carry their phoneNumberId.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq, inArray } from "drizzle-orm";
import { ProviderPhoneNumberPage, text, type ProviderPhoneNumber } from "@speaknode/contracts";
import { phoneNumbers, telephonyConnections } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { loadConnection } from "../telephony/connection-resource.ts";
import { opsFor } from "../telephony/ops-registry.ts";
import { ConnectionParams } from "./params-telephony.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/telephony-connections/{connectionId}/available-numbers",
  tags: ["telephony"],
  summary: "A page of the numbers the connection's provider account holds (LiveKit SIP: the trunk's numbers), those already imported marked with their id (Owner)",
  security: bearerSecurity,
  request: {
    params: ConnectionParams,
    query: z.strictObject({
      /** A previous page's nextPageToken; only the provider's paging keys in it are passed on. */
      pageToken: text().min(1).max(2000).optional(),
      pageSize: z.coerce.number().int().min(1).max(1000).default(50),
    }),
  },
  responses: {
    200: jsonResponse(ProviderPhoneNumberPage, "A page of the account's numbers"),
    ...errorResponses,
    409: problemSpec("The provider refused the connection's stored credentials"),
    429: problemSpec("The provider is limiting the account's requests"),
    503: problemSpec("The provider could not be reached"),
  },
});

export function registerTelephonyConnectionsAvailableNumbers(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    // pageSize is validated here and read by the provider's ops from the query.
    const { pageToken } = c.req.valid("query");
    const connection = await loadConnection(c, c.req.valid("param").connectionId, "owner");
    const page = await opsFor(connection.provider).listNumbers(c, connection, pageToken ?? null);
    // Imported into this space through any connection to the same account.
    const sids = page.numbers.map((n) => n.providerNumberId);
    const imported =
      sids.length === 0
        ? []
        : await c
            .get("db")
            .select({ id: phoneNumbers.id, sid: phoneNumbers.providerNumberId })
            .from(phoneNumbers)
            .innerJoin(telephonyConnections, eq(telephonyConnections.id, phoneNumbers.connectionId))
            .where(and(eq(phoneNumbers.spaceId, connection.spaceId), eq(telephonyConnections.accountId, connection.accountId), inArray(phoneNumbers.providerNumberId, sids)));
    const idOf = new Map(imported.map((r) => [r.sid, r.id]));
    const numbers: ProviderPhoneNumber[] = page.numbers.map((n) => ({ ...n, phoneNumberId: idOf.get(n.providerNumberId) ?? null }));
    return c.json({ numbers, nextPageToken: page.nextPageToken }, 200);
  });
}

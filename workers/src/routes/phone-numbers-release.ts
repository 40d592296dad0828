// An Owner releases a number: the provider gets back the settings the number had before the
// import (Twilio: its VoiceUrl, StatusCallback, TwiML App), then the number leaves the space and
// provisioning catches up (LiveKit SIP: its dispatch rule is deleted). A number the provider no
// longer has (released or moved there) leaves the space all the same.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { phoneNumbers } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, noContent, problemSpec } from "../lib/openapi.ts";
import { loadPhoneNumber } from "../telephony/numbers.ts";
import { opsFor } from "../telephony/ops-registry.ts";
import { PhoneNumberParams } from "./params-telephony.ts";

export const route = createRoute({
  method: "delete",
  path: "/v1/phone-numbers/{phoneNumberId}",
  tags: ["telephony"],
  summary: "Release a phone number: its previous provider settings are restored, then it leaves the space (Owner)",
  security: bearerSecurity,
  request: { params: PhoneNumberParams },
  responses: {
    204: noContent,
    ...errorResponses,
    409: problemSpec("The provider refused the connection's stored credentials; the number was kept"),
    429: problemSpec("The provider is limiting the account's requests"),
    503: problemSpec("The provider could not be reached; the number was kept"),
  },
});

export function registerPhoneNumbersRelease(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { row, connection } = await loadPhoneNumber(c, c.req.valid("param").phoneNumberId, "owner");
    const ops = opsFor(connection.provider);
    await ops.releaseNumber(c, connection, row);
    await c.get("db").delete(phoneNumbers).where(eq(phoneNumbers.id, row.id));
    await ops.afterChange?.(c, connection);
    return c.body(null, 204);
  });
}

// An Owner releases a number: Twilio gets back the settings the number had before the import
// (its VoiceUrl, StatusCallback, TwiML App), then the number leaves the space. A number Twilio no
// longer has (released or moved at Twilio) leaves the space all the same.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { eq } from "drizzle-orm";
import { phoneNumbers } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, noContent, problemSpec } from "../lib/openapi.ts";
import { twilioClientFor } from "../telephony/connections.ts";
import { loadPhoneNumber, restoreFields } from "../telephony/numbers.ts";
import { isTwilioNotFound, storedCredentialsError } from "../telephony/provider-errors.ts";
import { PhoneNumberParams } from "./params-telephony.ts";

export const route = createRoute({
  method: "delete",
  path: "/v1/phone-numbers/{phoneNumberId}",
  tags: ["telephony"],
  summary: "Release a phone number: its previous Twilio settings are restored, then it leaves the space (Owner)",
  security: bearerSecurity,
  request: { params: PhoneNumberParams },
  responses: {
    204: noContent,
    ...errorResponses,
    409: problemSpec("Twilio refused the connection's stored credentials; the number was kept"),
    429: problemSpec("Twilio is limiting the account's requests"),
    503: problemSpec("Twilio could not be reached; the number was kept"),
  },
});

export function registerPhoneNumbersRelease(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { row, connection } = await loadPhoneNumber(c, c.req.valid("param").phoneNumberId, "owner");
    const client = await twilioClientFor(c.get("config"), connection);
    try {
      await client.updateIncomingNumber(row.providerNumberId, restoreFields(row.previousConfig));
    } catch (err) {
      if (!isTwilioNotFound(err)) throw storedCredentialsError(err);
    }
    await c.get("db").delete(phoneNumbers).where(eq(phoneNumbers.id, row.id));
    return c.body(null, 204);
  });
}

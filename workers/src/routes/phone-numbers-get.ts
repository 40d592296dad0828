// One phone number, for Members and API keys of its space.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { PhoneNumber } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { bearerSecurity, errorResponses, jsonResponse } from "../lib/openapi.ts";
import { loadPhoneNumber, toPhoneNumber } from "../telephony/numbers.ts";
import { PhoneNumberParams } from "./params-telephony.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/phone-numbers/{phoneNumberId}",
  tags: ["telephony"],
  summary: "One phone number with its settings",
  security: bearerSecurity,
  request: { params: PhoneNumberParams },
  responses: { 200: jsonResponse(PhoneNumber, "The phone number"), ...errorResponses },
});

export function registerPhoneNumbersGet(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { row, connection } = await loadPhoneNumber(c, c.req.valid("param").phoneNumberId);
    return c.json(toPhoneNumber(row, connection.provider), 200);
  });
}

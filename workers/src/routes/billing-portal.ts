// The payment provider's page for the space (Owner): Lago's customer portal, where the payment
// method and billing details are managed. The local ledger takes no payments, so it has none.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { BillingPortal } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { requireSpace } from "../auth/access.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { billingDriverFor } from "../billing/driver.ts";
import { SpaceParams } from "./params.ts";

export const ledgerPortalDetail = "the local ledger takes no payments; in production Lago's customer portal manages the payment method";

/**
 * Whether a portal URL Lago gave may be handed to the Owner's browser: https, or (a Lago on this
 * machine, such as the simulator of `npm run dev -- --billing lago`) the very origin configured as
 * LAGO_API_URL, which the operator already trusts with the API key.
 */
export function portalUrlAcceptable(url: string, lagoApiUrl: string): boolean {
  if (url.startsWith("https://")) return true;
  try {
    const u = new URL(url);
    return u.protocol === "http:" && u.origin === new URL(lagoApiUrl).origin;
  } catch {
    return false;
  }
}

export const route = createRoute({
  method: "post",
  path: "/v1/spaces/{spaceId}/billing/portal",
  tags: ["billing"],
  summary: "A link to the payment provider's customer portal for the space (Owner; Lago only)",
  security: bearerSecurity,
  request: { params: SpaceParams },
  responses: {
    200: jsonResponse(BillingPortal, "The portal's URL"),
    ...errorResponses,
    409: problemSpec("No portal: the local ledger takes no payments, or Lago has no customer for the space yet"),
    503: problemSpec("Lago could not be reached"),
  },
});

export function registerBillingPortal(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { spaceId } = c.req.valid("param");
    await requireSpace(c, spaceId, "owner");
    const config = c.get("config").billing.driver;
    const driver = billingDriverFor(config);
    if (driver.name === "ledger" || config.name === "ledger") throw new ApiError("conflict", ledgerPortalDetail);
    const url = await driver.portalUrl(c.get("db"), spaceId);
    if (!url || !portalUrlAcceptable(url, config.lago.apiUrl)) throw new ApiError("conflict", "Lago has no customer portal for this space yet");
    return c.json({ url }, 200);
  });
}

// Lago's webhooks (BILLING_DRIVER=lago): signed by Lago, logged, de-duplicated on
// X-Lago-Unique-Key, then invoices and payment status are applied (billing/lago/webhooks.ts).
// With the local ledger there is no Lago: 404.
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { text } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { errorResponses } from "../lib/openapi.ts";
import { withDatabase } from "../lib/database.ts";
import { log } from "../lib/log.ts";
import { receiveLagoWebhook } from "../billing/lago/webhooks.ts";

const maxBytes = 1024 * 1024;

export function registerBillingLagoWebhooks(app: OpenAPIHono<AppEnv>): void {
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/billing/lago/webhooks",
    tags: ["billing"],
    summary: "Lago's webhooks (signed; invoices and payment status)",
    description:
      "Set this URL as a webhook endpoint in Lago. `X-Lago-Signature` is checked by LAGO_WEBHOOK_SIGNATURE: hmac (base64 HMAC-SHA256 of the body with LAGO_WEBHOOK_HMAC_KEY) or jwt (RS256 with LAGO_WEBHOOK_PUBLIC_KEY). Every request is logged; a repeated `X-Lago-Unique-Key` changes nothing. 404 unless BILLING_DRIVER=lago.",
    request: { body: { required: true, content: { "application/json": { schema: z.object({ webhook_type: text() }).passthrough() } } } },
    responses: { 200: { description: "Received", content: { "application/json": { schema: z.object({ outcome: z.enum(["processed", "ignored"]) }) } } }, ...errorResponses },
  });
  const limit = bodyLimit({ maxSize: maxBytes, onError: () => { throw new ApiError("payload_too_large", "the body is larger than 1 MiB"); } });
  app.use("/billing/lago/*", limit, withDatabase());
  app.post("/billing/lago/webhooks", async (c) => {
    const config = c.get("config");
    const driver = config.billing.driver;
    if (driver.name !== "lago") throw new ApiError("not_found", "billing runs on the local ledger (BILLING_DRIVER=ledger): there are no Lago webhooks");
    const result = await receiveLagoWebhook(c.get("db"), driver.lago, config.billing.defaultPlan, {
      method: c.req.method,
      url: c.req.url,
      headers: c.req.raw.headers,
      rawBody: await c.req.text(),
      requestId: c.get("requestId"),
    });
    log.info("billing: Lago webhook", { requestId: c.get("requestId"), logId: result.logId, outcome: result.outcome });
    return c.json({ outcome: result.outcome }, 200);
  });
}

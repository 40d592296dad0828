// The Worker's HTTP application: shared middleware, the one error handler, and the flat list of
// operations. Each operation lives in its own file under routes/ and registers itself here.
import { OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { except } from "hono/combine";
import { maxImportRequestBytes, newId } from "@speaknode/contracts";
import type { AppEnv } from "./context.ts";
import { readConfig } from "./config.ts";
import { ApiError, fieldErrorsFromZod, problemResponse, toApiError } from "./errors.ts";
import { authenticate } from "./auth/index.ts";
import { registerRoutes } from "./routes/index.ts";
import { registerDevOidc } from "./dev-oidc/index.ts";
import { registerDevMail } from "./dev-mail.ts";
import { registerDevShop } from "./dev-shop.ts";
import { registerDevWebhookInbox } from "./dev-webhook-inbox.ts";
import { registerDevCampaignRunner } from "./routes/dev-campaign-runner.ts";
import { registerWidgetAssets } from "./routes/widget-assets.ts";
import { errorFields, log } from "./lib/log.ts";
import { withDatabase } from "./lib/database.ts";
import { isTransientDatabaseError } from "./lib/db-error.ts";
import { twilioFormMaxBytes } from "./telephony/twilio/webhook.ts";
import { serveDocument } from "./lib/openapi-document.ts";
import { documentServedLinks } from "./lib/openapi-links.ts";

export function createApp(): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        throw new ApiError("validation_failed", "the request did not pass validation", {
          errors: fieldErrorsFromZod(result.error, result.target === "json" ? "body" : result.target === "param" ? "path" : result.target),
        });
      }
    },
  });

  app.use("*", async (c, next) => {
    const requestId = newId("request");
    c.set("requestId", requestId);
    c.set("config", readConfig(c.env));
    await next();
    c.header("x-request-id", requestId);
  });

  const withDb = withDatabase();

  // Bodies are small JSON documents; anything larger is refused before it is read.
  const limitBody = bodyLimit({ maxSize: 256 * 1024, onError: () => { throw new ApiError("payload_too_large", "the body is larger than 256 KiB"); } });
  // /v1/traces takes the voice runtime's service token and a larger body, and never touches the
  // database in the request (routes/traces-ingest.ts).
  // A campaign's contacts file streams in up to 20 MB, limited while it is read (routes/campaigns-contacts.ts).
  // An OpenAPI import carries a whole document (Stripe's is 4.2 MB) escaped inside JSON.
  const importPath = "/v1/spaces/:spaceId/tools/import";
  app.use("/v1/*", except(["/v1/traces", "/v1/campaigns/:campaignId/contacts", importPath], limitBody));
  app.use(importPath, bodyLimit({ maxSize: maxImportRequestBytes, onError: () => { throw new ApiError("payload_too_large", `the body is larger than ${maxImportRequestBytes / 1024 / 1024} MiB`); } }));
  app.use("/v1/*", except("/v1/traces", withDb, authenticate()));
  app.use("/dev/*", withDb);
  app.use("/recordings/*", withDb);
  app.use("/a/*", withDb);
  // Provider webhooks: public (the provider signs them), small form bodies (telephony/twilio/webhook.ts).
  const limitForm = bodyLimit({ maxSize: twilioFormMaxBytes, onError: () => { throw new ApiError("payload_too_large", `the body is larger than ${twilioFormMaxBytes / 1024} KiB`); } });
  app.use("/telephony/*", limitForm, withDb);
  app.use("/public/*", limitBody, withDb, async (c, next) => {
    await next();
    // Also on errors, so a page can read why it was refused.
    if (!c.res.headers.has("access-control-allow-origin")) c.res.headers.set("access-control-allow-origin", "*");
    // A rate-limited page may read how long to wait.
    if (c.res.headers.has("retry-after")) c.res.headers.set("access-control-expose-headers", "retry-after");
  });

  app.openAPIRegistry.registerComponent("securitySchemes", "bearer", {
    type: "http",
    scheme: "bearer",
    description: "An OIDC access token of the configured issuer, or a space API key (sk_…)",
  });

  registerRoutes(app);
  registerDevOidc(app);
  registerDevMail(app);
  registerDevShop(app);
  registerDevWebhookInbox(app);
  registerDevCampaignRunner(app);

  documentServedLinks(app);
  serveDocument(app);
  // Last: a GET that no operation matched may be one of the widget's files.
  registerWidgetAssets(app);

  app.notFound((c) => problemResponse(c, new ApiError("not_found", `no route for ${c.req.method} ${new URL(c.req.url).pathname}`)));

  app.onError((err, c) => {
    const apiError = toApiError(err);
    if (apiError) return problemResponse(c, apiError);
    if (isTransientDatabaseError(err)) {
      // Postgres rolled the losing statement or transaction back whole (a deadlock, a serialization
      // failure); the same request may succeed in a moment.
      log.warn("request lost to a concurrent change", { requestId: c.get("requestId"), path: new URL(c.req.url).pathname, ...errorFields(err) });
      return problemResponse(c, new ApiError("conflict", "a concurrent change to the same data won and this request's change was rolled back; retry the request", { headers: { "retry-after": "1" } }));
    }
    log.error("request failed", { requestId: c.get("requestId"), path: new URL(c.req.url).pathname, ...errorFields(err) });
    return problemResponse(c, new ApiError("internal", "something went wrong; the request id helps us find it"));
  });

  return app;
}

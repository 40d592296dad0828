// Each voice runtime reports what it can do — platform keys in its environment, offline engines
// installed, voices it listed with the platform key — at start and every few minutes. Provider
// readiness and the publish pre-flight read the fresh reports (agents/readiness.ts).
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { RuntimeCapabilitiesBody } from "@speaknode/contracts";
import { runtimeCapabilities } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { jsonBody, noContent } from "../lib/openapi.ts";
import { runtimeErrorResponses, runtimeSecurity } from "../runtime/openapi.ts";

/** Voice lists of large accounts run to a few hundred KiB. */
const limitReport = bodyLimit({
  maxSize: 2 * 1024 * 1024,
  onError: () => {
    throw new ApiError("payload_too_large", "the report is larger than 2 MiB");
  },
});

export const route = createRoute({
  method: "put",
  path: "/runtime/v1/capabilities",
  tags: ["runtime"],
  summary: "Report what this voice runtime can run (replaces its previous report); reports older than 15 minutes are ignored",
  security: runtimeSecurity,
  middleware: [limitReport] as const,
  request: { body: jsonBody(RuntimeCapabilitiesBody) },
  responses: { 204: noContent, 400: runtimeErrorResponses[400], 401: runtimeErrorResponses[401], 403: runtimeErrorResponses[403] },
});

export function registerRuntimeCapabilities(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    // A token narrowed to one session is a session's, not the runtime's own.
    if (c.get("runtimeService").sessionId !== undefined) throw new ApiError("forbidden", "a session's service token cannot report the runtime's capabilities");
    const report = c.req.valid("json");
    const reportedAt = new Date();
    await c
      .get("db")
      .insert(runtimeCapabilities)
      .values({ runtimeId: report.runtimeId, report, reportedAt })
      .onConflictDoUpdate({ target: runtimeCapabilities.runtimeId, set: { report, reportedAt } });
    return c.body(null, 204);
  });
}

import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../context.ts";
import { jsonResponse } from "../lib/openapi.ts";

export const route = createRoute({
  method: "get",
  path: "/healthz",
  tags: ["platform"],
  summary: "Liveness of the Worker (touches no database)",
  responses: { 200: jsonResponse(z.object({ status: z.literal("ok") }), "The Worker is up") },
});

export function registerHealthz(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, (c) => c.json({ status: "ok" as const }, 200));
}

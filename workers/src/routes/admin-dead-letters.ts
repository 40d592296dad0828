// GET /v1/admin/telemetry/dead-letters: telemetry queue messages that failed every delivery,
// newest first (platform Admin). Bodies are shown whole: they hold span data, not credentials.
import { createRoute, z, type OpenAPIHono } from "@hono/zod-openapi";
import { desc, lt } from "drizzle-orm";
import { DeadLetter, idSchema, text } from "@speaknode/contracts";
import { telemetryDeadLetters } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { requirePlatformAdmin } from "../auth/access.ts";
import { bearerSecurity, errorResponses, iso, jsonResponse } from "../lib/openapi.ts";

export const route = createRoute({
  method: "get",
  path: "/v1/admin/telemetry/dead-letters",
  tags: ["platform", "telemetry"],
  summary: "Telemetry queue messages that failed every delivery, newest first (platform Admin)",
  security: bearerSecurity,
  request: {
    query: z.strictObject({
      limit: z.coerce.number().int().min(1).max(200).default(50),
      cursor: idSchema("deadLetter").optional(),
    }),
  },
  responses: {
    200: jsonResponse(z.object({ data: z.array(DeadLetter), nextCursor: text().nullable() }), "A page of dead letters"),
    ...errorResponses,
  },
});

export function registerAdminDeadLetters(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    requirePlatformAdmin(c);
    const { limit, cursor } = c.req.valid("query");
    // Ids are time-ordered, so newest first is descending id, and the cursor is the last id seen.
    const rows = await c
      .get("db")
      .select()
      .from(telemetryDeadLetters)
      .where(cursor ? lt(telemetryDeadLetters.id, cursor) : undefined)
      .orderBy(desc(telemetryDeadLetters.id))
      .limit(limit + 1);
    const page = rows.slice(0, limit);
    return c.json(
      {
        data: page.map((r) => ({ id: r.id, queue: r.queue, messageId: r.messageId, body: r.body, error: r.error, attempts: r.attempts, createdAt: iso(r.createdAt) })),
        nextCursor: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      },
      200,
    );
  });
}

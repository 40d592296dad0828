// The voice runtime stores the waveform peaks the dashboard's player draws for the composite track.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { and, eq } from "drizzle-orm";
import { WaveformBody } from "@speaknode/contracts";
import { schema } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { jsonBody, noContent, problemSpec } from "../lib/openapi.ts";
import { limitJsonBody, runtimeErrorResponses, runtimeSecurity } from "../runtime/openapi.ts";
import { loadRuntimeSession, RuntimeSessionParams } from "../runtime/session.ts";

const { sessionRecordings } = schema;

export const route = createRoute({
  method: "put",
  path: "/runtime/v1/sessions/{sessionId}/waveform",
  tags: ["runtime"],
  summary: "Store the waveform peaks of the composite recording (upload the recording first)",
  security: runtimeSecurity,
  middleware: [limitJsonBody] as const,
  request: { params: RuntimeSessionParams, body: jsonBody(WaveformBody) },
  responses: { 204: noContent, ...runtimeErrorResponses, 409: problemSpec("The composite recording has not been uploaded") },
});

export function registerRuntimeWaveform(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const session = await loadRuntimeSession(c, c.req.valid("param").sessionId);
    const { peaks, durationMs } = c.req.valid("json");
    const [stored] = await c
      .get("db")
      .update(sessionRecordings)
      .set({ waveformPeaks: peaks, waveformDurationMs: durationMs, updatedAt: new Date() })
      .where(and(eq(sessionRecordings.sessionId, session.id), eq(sessionRecordings.track, "composite")))
      .returning({ track: sessionRecordings.track });
    if (!stored) throw new ApiError("conflict", "upload the composite recording before its waveform");
    return c.body(null, 204);
  });
}

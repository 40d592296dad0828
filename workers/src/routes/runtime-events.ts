// The voice runtime reports what happens in a session, once per event id.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import { RuntimeEventAck, RuntimeEventBody } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { jsonBody, jsonResponse, problemSpec } from "../lib/openapi.ts";
import { applyRuntimeEvent } from "../runtime/events.ts";
import { limitJsonBody, runtimeErrorResponses, runtimeSecurity } from "../runtime/openapi.ts";
import { sessionRoom } from "../sessions/room.ts";
import { loadRuntimeSession, RuntimeSessionParams } from "../runtime/session.ts";

export const route = createRoute({
  method: "post",
  path: "/runtime/v1/sessions/{sessionId}/events",
  tags: ["runtime"],
  summary: "Report an event of the session; the same eventId again is answered as a duplicate and changes nothing",
  security: runtimeSecurity,
  middleware: [limitJsonBody] as const,
  request: { params: RuntimeSessionParams, body: jsonBody(RuntimeEventBody) },
  responses: {
    200: jsonResponse(RuntimeEventAck, "Accepted (or a duplicate)"),
    ...runtimeErrorResponses,
    409: problemSpec("The session's state refuses the event (e.g. a heartbeat after it ended), or the id was used for another event type"),
    413: problemSpec("The body is larger than 256 KiB"),
  },
});

export function registerRuntimeEvents(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const session = await loadRuntimeSession(c, c.req.valid("param").sessionId);
    const ack = await applyRuntimeEvent({ db: c.get("db"), room: sessionRoom(c, session.id), session }, c.req.valid("json"));
    return c.json(ack, 200);
  });
}

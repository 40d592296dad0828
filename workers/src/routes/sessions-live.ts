// Live events of a session over a WebSocket served by its SessionRoom. Browsers cannot send an
// Authorization header when opening a WebSocket, so this lives outside /v1 and takes the
// short-lived, single-session subscriber token from dispatch in the query string.
import type { OpenAPIHono } from "@hono/zod-openapi";
import { idSchema, type SubscriberRole } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { ApiError } from "../errors.ts";
import { sessionRoom } from "../sessions/room.ts";
import { verifySessionToken } from "@speaknode/tokens";

export function registerSessionsLive(app: OpenAPIHono<AppEnv>): void {
  app.get("/live/sessions/:sessionId", async (c) => {
    const sessionId = idSchema("session").safeParse(c.req.param("sessionId"));
    if (!sessionId.success) throw new ApiError("validation_failed", "not a session id", { errors: [{ field: "path.sessionId", message: sessionId.error.issues[0]?.message ?? "invalid" }] });
    if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new ApiError("malformed_request", "this endpoint speaks WebSocket only");
    const claims = await verifySessionToken(c.get("config").runtime.tokenSecret, c.req.query("token") ?? "", "events");
    if (!claims || claims.sessionId !== sessionId.data) throw new ApiError("unauthorized", "the events token is missing, expired or for another session");
    const headers = new Headers(c.req.raw.headers);
    // Anything but a known wider role (an old token without one, a made-up one) is a viewer.
    const role: SubscriberRole = claims.role === "runtime" || claims.role === "member" ? claims.role : "viewer";
    headers.set("x-subscriber-role", role);
    return sessionRoom(c, sessionId.data).fetch(new Request("https://session-room/ws", { headers }));
  });
}

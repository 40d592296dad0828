// The document's entries for what the Worker serves outside the JSON API but clients still use:
// the live WebSocket channels, the signed recording and transcript links of session.completed
// events and session details, and the invitation link of invitation emails. Their handlers are
// plain Hono routes (a WebSocket upgrade or a byte-range stream do not fit a zod-openapi route),
// so they are described here, next to each other, from what those handlers do.
import { z, type OpenAPIHono } from "@hono/zod-openapi";
import { campaignProtocolVersion, idSchema, sessionProtocolVersion, text, Timestamp } from "@speaknode/contracts";
import type { AppEnv } from "../context.ts";
import { problemSpec } from "./openapi.ts";

const upgradeHeaders = z.object({
  upgrade: z.literal("websocket").meta({ description: "Only a WebSocket upgrade is answered" }),
});

const signedLinkQuery = z.object({
  exp: text().regex(/^\d{1,12}$/).meta({ description: "When the link expires, in Unix seconds" }),
  sig: text().meta({ description: "The link's signature (base64url HMAC-SHA256); a link is used as given, never built by clients" }),
});

/** The body of a transcript link: the session's final turns in order (routes/transcripts-serve.ts). */
export const TranscriptLinkBody = z
  .object({
    sessionId: idSchema("session"),
    turns: z.array(
      z.object({
        turnId: text(),
        role: text().meta({ description: "`user` or `agent`" }),
        text: text(),
        language: text().nullable(),
        interrupted: z.boolean(),
        startedAt: Timestamp,
        endedAt: Timestamp,
      }),
    ),
  })
  .meta({ id: "TranscriptLinkBody" });

export function documentServedLinks(app: OpenAPIHono<AppEnv>): void {
  const registry = app.openAPIRegistry;
  registry.registerComponent("securitySchemes", "agentToken", {
    type: "http",
    scheme: "bearer",
    description: "An agent token (issued by POST /v1/agents/{agentId}/agent-tokens) that lets a web page start sessions with that agent",
  });

  registry.registerPath({
    method: "get",
    path: "/live/sessions/{sessionId}",
    tags: ["sessions"],
    summary: "The session's live events over a WebSocket (the `eventsUrl` of dispatch and events-token)",
    description:
      "Open it with the `eventsUrl` a dispatch or POST /v1/sessions/{sessionId}/events-token returned: its `token` query parameter is the credential " +
      "(browsers cannot set an Authorization header on a WebSocket) and expires within minutes. " +
      `Server frames are JSON text (\`SessionServerMessage\` in packages/contracts/src/session-protocol.ts, protocol version ${sessionProtocolVersion}): ` +
      "a `welcome` with the protocol version, the session's status and its recent events, then one frame per event; `session.completed` or `session.failed` is the last, and the server closes with 1000. " +
      "The client may send `{\"type\":\"ping\"}` (answered with `pong`). A member's token also receives the member-only events (`turn.metrics`, `tool.result`).",
    request: {
      params: z.object({ sessionId: idSchema("session") }),
      query: z.object({ token: text().meta({ description: "The events token from `eventsUrl`" }) }),
      headers: upgradeHeaders,
    },
    responses: {
      101: { description: "Switching to the WebSocket protocol" },
      400: problemSpec("Not a WebSocket upgrade, or not a session id"),
      401: problemSpec("The events token is missing, expired or for another session"),
    },
  });

  registry.registerPath({
    method: "get",
    path: "/live/campaigns/{campaignId}",
    tags: ["campaigns"],
    summary: "A campaign's live progress over a WebSocket (the `eventsUrl` of GET /v1/campaigns/{campaignId})",
    description:
      "The `token` query parameter of the campaign's `eventsUrl` is the credential (valid 10 minutes). " +
      `Server frames are JSON text (packages/contracts/src/campaigns.ts, protocol version ${campaignProtocolVersion}): the campaign's progress, live calls and recent results.`,
    request: {
      params: z.object({ campaignId: idSchema("campaign") }),
      query: z.object({ token: text().meta({ description: "The campaign events token from `eventsUrl`" }) }),
      headers: upgradeHeaders,
    },
    responses: {
      101: { description: "Switching to the WebSocket protocol" },
      400: problemSpec("Not a WebSocket upgrade, or not a campaign id"),
      401: problemSpec("The events token is missing, expired or for another campaign"),
      503: problemSpec("Live progress is not available"),
    },
  });

  registry.registerPath({
    method: "get",
    path: "/recordings/{sessionId}/{track}",
    tags: ["sessions"],
    summary: "Play a session's recording through its signed, expiring link (byte ranges for seeking)",
    description:
      "The links are in a session's `recordings` (GET /v1/sessions/{sessionId}) and in session.completed events; whoever holds one may fetch it until it expires. " +
      "A `Range: bytes=start-end` header answers 206 with that part; a range beyond the recording answers 416 with `Content-Range: bytes */size`.",
    request: {
      params: z.object({ sessionId: idSchema("session"), track: z.enum(["composite", "user", "agent"]) }),
      query: signedLinkQuery,
      headers: z.object({ range: text().optional().meta({ description: "`bytes=start-` or `bytes=start-end`" }) }),
    },
    responses: {
      200: { description: "The whole recording", content: { "audio/wav": { schema: { type: "string", format: "binary" } }, "audio/ogg": { schema: { type: "string", format: "binary" } } } },
      206: { description: "The requested byte range (Content-Range)", content: { "audio/wav": { schema: { type: "string", format: "binary" } }, "audio/ogg": { schema: { type: "string", format: "binary" } } } },
      403: problemSpec("The link's signature is not valid"),
      404: problemSpec("No such recording"),
      410: problemSpec("The link has expired: open the session again for a fresh one"),
      416: { description: "The range is outside the recording (no body; Content-Range says its size)" },
    },
  });

  registry.registerPath({
    method: "get",
    path: "/transcripts/{sessionId}",
    tags: ["sessions"],
    summary: "Read a session's transcript through its signed, expiring link (session.completed events)",
    request: { params: z.object({ sessionId: idSchema("session") }), query: signedLinkQuery },
    responses: {
      200: { description: "The session's final turns, in order", content: { "application/json": { schema: TranscriptLinkBody } } },
      403: problemSpec("The link's signature is not valid"),
      404: problemSpec("No such transcript"),
      410: problemSpec("The link has expired: open the session for its transcript"),
    },
  });

  registry.registerPath({
    method: "get",
    path: "/invitations/accept",
    tags: ["invitations"],
    summary: "The link of invitation emails: opens the dashboard's accept page with the same query string",
    description: "The dashboard signs the invitee in, shows the invitation (POST /v1/invitations/preview) and accepts it (POST /v1/invitations/accept) with the token.",
    request: { query: z.object({ token: text().meta({ description: "The invitation's single-use token" }) }) },
    responses: {
      302: { description: "Redirect to /app/invitations/accept with the query string", headers: { location: { schema: { type: "string" } } } },
    },
  });
}

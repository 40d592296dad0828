// Start a conversation with an agent: the session row (Pending, with the agent version), its
// SessionRoom (Dispatching), a media connection and the live events URL.
import { createRoute, type OpenAPIHono } from "@hono/zod-openapi";
import type { Context } from "hono";
import { and, eq } from "drizzle-orm";
import { AgentConfig, coerceVariables, DispatchBody, DispatchedSession, newId } from "@speaknode/contracts";
import { agentVersions, sessions } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { loadAgent, toAgent } from "../agents/store.ts";
import { ApiError } from "../errors.ts";
import { bearerSecurity, errorResponses, jsonBody, jsonResponse } from "../lib/openapi.ts";
import { mediaDriverFor } from "../sessions/media.ts";
import { sessionRoom } from "../sessions/room.ts";
import { signSessionToken } from "../sessions/tokens.ts";
import { AgentParams } from "./params-agents.ts";

export const route = createRoute({
  method: "post",
  path: "/v1/agents/{agentId}/sessions",
  tags: ["sessions"],
  summary: "Dispatch a session with an agent (its published version, or the draft when unpublished)",
  security: bearerSecurity,
  request: { params: AgentParams, body: jsonBody(DispatchBody) },
  responses: { 201: jsonResponse(DispatchedSession, "The session, dispatching"), ...errorResponses },
});

export function eventsUrl(c: Context<AppEnv>, sessionId: string, token: string): string {
  const base = new URL(c.get("config").publicUrl ?? new URL(c.req.url).origin);
  base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
  return `${base.origin}/live/sessions/${sessionId}?token=${encodeURIComponent(token)}`;
}

export function registerSessionsDispatch(app: OpenAPIHono<AppEnv>): void {
  app.openapi(route, async (c) => {
    const { agentId } = c.req.valid("param");
    const body = c.req.valid("json");
    const { row } = await loadAgent(c, agentId);
    const db = c.get("db");
    let config = toAgent(row) as AgentConfig;
    if (row.publishedVersion !== null) {
      const [published] = await db.select({ snapshot: agentVersions.snapshot }).from(agentVersions).where(and(eq(agentVersions.agentId, agentId), eq(agentVersions.version, row.publishedVersion)));
      if (published) config = AgentConfig.parse((published.snapshot as { agent: unknown }).agent);
    }
    const language = body.language ?? config.defaultLanguage;
    if (!config.locales.some((l) => l.language.toLowerCase() === language.toLowerCase())) {
      throw new ApiError("validation_failed", "the agent does not speak this language", { errors: [{ field: "body.language", message: `one of ${config.locales.map((l) => l.language).join(", ")}` }] });
    }
    const variables = coerceVariables(config.variables, body.variables, { source: "json", fieldPrefix: "body.variables" });
    if (!variables.ok) throw new ApiError("validation_failed", "the variables do not fit the agent's schema", { errors: variables.errors });

    const sessionId = newId("session");
    const settings = c.get("config");
    await db.insert(sessions).values({
      id: sessionId,
      spaceId: row.spaceId,
      agentId,
      agentVersion: row.publishedVersion,
      draftVersion: row.publishedVersion === null ? row.version : null,
      channel: body.channel.type,
      caller: body.channel.callerId ?? null,
      language,
      variables: variables.values,
      mediaDriver: settings.runtime.mediaDriver,
    });
    const room = sessionRoom(c, sessionId);
    await room.init({ sessionId, ...settings.sessions });
    const moved = await room.transition({ to: "dispatching" });
    if (!moved.ok) throw new Error(`session room refused dispatching: ${moved.code}`);
    await db.update(sessions).set({ status: "dispatching" }).where(eq(sessions.id, sessionId));
    const media = await mediaDriverFor(settings).connect({ sessionId, agentId });
    const subscriber = await signSessionToken(settings.runtime.tokenSecret, { sessionId, agentId, scope: "events", ttlS: 600, role: "viewer" });
    return c.json(
      { sessionId, status: "dispatching" as const, agentId, agentVersion: row.publishedVersion, language, media, eventsUrl: eventsUrl(c, sessionId, subscriber) },
      201,
    );
  });
}

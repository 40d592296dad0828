// Dispatching a session, shared by the authenticated API and the public (widget) endpoint: the
// agent's configuration to run, variables through the shared renderer, the session row, its
// SessionRoom, the media connection and the live events URL.
import type { Context } from "hono";
import { and, eq } from "drizzle-orm";
import { AgentConfig, coerceVariables, newId, type CoerceSource } from "@speaknode/contracts";
import { agentVersions, sessions } from "@speaknode/db";
import type { AppEnv } from "../context.ts";
import { toAgent, type AgentRow } from "../agents/store.ts";
import { ApiError, notFound } from "../errors.ts";
import { mediaDriverFor, type MediaConnection } from "./media.ts";
import { sessionRoom } from "./room.ts";
import { signSessionToken } from "@speaknode/tokens";
import { LiveKitError } from "./livekit/twirp.ts";
import { publicOrigin } from "../lib/public-url.ts";

export interface DispatchRequest {
  agent: AgentRow;
  /** The public endpoint serves published agents only; the API may run a draft. */
  publishedOnly: boolean;
  variables: Record<string, unknown>;
  variablesSource: CoerceSource;
  language: string | undefined;
  channel: "api" | "web" | "widget";
  caller: string | null;
  /** Checks that need the configuration being run (e.g. the public endpoint's allowed origins). */
  admit?: (config: AgentConfig) => void;
}

export interface DispatchResult {
  sessionId: string;
  status: "dispatching";
  agentId: string;
  agentVersion: number | null;
  language: string;
  media: MediaConnection;
  eventsUrl: string;
}

export function eventsUrl(c: Context<AppEnv>, sessionId: string, token: string): string {
  const base = new URL(publicOrigin(c));
  base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
  return `${base.origin}/live/sessions/${sessionId}?token=${encodeURIComponent(token)}`;
}

async function configToRun(c: Context<AppEnv>, agent: AgentRow, publishedOnly: boolean): Promise<AgentConfig> {
  if (agent.publishedVersion === null) {
    if (publishedOnly) throw notFound("published agent");
    return AgentConfig.parse(toAgent(agent));
  }
  const [published] = await c
    .get("db")
    .select({ snapshot: agentVersions.snapshot })
    .from(agentVersions)
    .where(and(eq(agentVersions.agentId, agent.id), eq(agentVersions.version, agent.publishedVersion)));
  if (!published) throw new Error("published version row is missing");
  return AgentConfig.parse((published.snapshot as { agent: unknown }).agent);
}

export async function dispatchSession(c: Context<AppEnv>, req: DispatchRequest): Promise<DispatchResult> {
  const { agent } = req;
  const config = await configToRun(c, agent, req.publishedOnly);
  req.admit?.(config);
  const language = req.language ?? config.defaultLanguage;
  if (!config.locales.some((l) => l.language.toLowerCase() === language.toLowerCase())) {
    throw new ApiError("validation_failed", "the agent does not speak this language", { errors: [{ field: "body.language", message: `one of ${config.locales.map((l) => l.language).join(", ")}` }] });
  }
  const variables = coerceVariables(config.variables, req.variables, { source: req.variablesSource, fieldPrefix: "body.variables" });
  if (!variables.ok) throw new ApiError("validation_failed", "the variables do not fit the agent's schema", { errors: variables.errors });

  const db = c.get("db");
  const settings = c.get("config");
  const sessionId = newId("session");
  await db.insert(sessions).values({
    id: sessionId,
    spaceId: agent.spaceId,
    agentId: agent.id,
    agentVersion: agent.publishedVersion,
    draftVersion: agent.publishedVersion === null ? agent.version : null,
    channel: req.channel,
    caller: req.caller,
    language,
    variables: variables.values,
    mediaDriver: settings.runtime.mediaDriver,
  });
  const room = sessionRoom(c, sessionId);
  await room.init({ sessionId, ...settings.sessions });
  // This one status is written here, on the connection the request holds; the room writes every
  // later change through to the row itself.
  const moved = await room.transition({ to: "dispatching", rowWrittenByCaller: true });
  if (!moved.ok) throw new Error(`session room refused dispatching: ${moved.code}`);
  await db.update(sessions).set({ status: "dispatching" }).where(eq(sessions.id, sessionId));
  let media: MediaConnection;
  try {
    media = await mediaDriverFor(settings).connect({ sessionId, agentId: agent.id });
  } catch (err) {
    // Never leave a room dispatching for an agent that cannot come: fail it now, with the reason.
    await room.transition({ to: "failed", reason: "media unavailable" });
    if (err instanceof LiveKitError) {
      throw new ApiError("upstream_unavailable", "the media service is unavailable; try again", err.retryable ? { headers: { "retry-after": "2" } } : undefined);
    }
    throw err;
  }
  const subscriber = await signSessionToken(settings.runtime.tokenSecret, { sessionId, agentId: agent.id, scope: "events", ttlS: 600, role: "viewer" });
  return { sessionId, status: "dispatching", agentId: agent.id, agentVersion: agent.publishedVersion, language, media, eventsUrl: eventsUrl(c, sessionId, subscriber) };
}

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

async function configToRun(c: Context<AppEnv>, agent: AgentRow, publishedOnly: boolean, publishedSnapshot?: unknown): Promise<AgentConfig> {
  if (agent.publishedVersion === null) {
    if (publishedOnly) throw notFound("published agent");
    return AgentConfig.parse(toAgent(agent));
  }
  if (publishedSnapshot !== undefined) return AgentConfig.parse((publishedSnapshot as { agent: unknown }).agent);
  const [published] = await c
    .get("db")
    .select({ snapshot: agentVersions.snapshot })
    .from(agentVersions)
    .where(and(eq(agentVersions.agentId, agent.id), eq(agentVersions.version, agent.publishedVersion)));
  if (!published) throw new Error("published version row is missing");
  return AgentConfig.parse((published.snapshot as { agent: unknown }).agent);
}

/** The phone facts of a session created for a call (personal data: never logged). */
export interface PhoneFacts {
  direction: "inbound" | "outbound";
  from: string | null;
  to: string | null;
  phoneNumberId: string;
  /** Known at once for inbound calls; set when the provider accepts an outbound one. */
  providerCallId: string | null;
}

export interface CreateSessionRequest extends Omit<DispatchRequest, "channel"> {
  channel: DispatchRequest["channel"] | "phone";
  phone?: PhoneFacts;
  /** A shorter limit than the platform's (outbound calls' maxDurationS). */
  maxDurationMs?: number;
  /** The published version's snapshot when the caller read it already (saves a round trip). */
  publishedSnapshot?: unknown;
}

export interface CreatedSession {
  sessionId: string;
  config: AgentConfig;
  language: string;
  variables: Record<string, string | number | boolean | null>;
  room: ReturnType<typeof sessionRoom>;
}

/**
 * The transport-independent half of a dispatch: the configuration to run, the variables, the
 * session row and its SessionRoom moved to Dispatching. Web sessions then connect media
 * (dispatchSession); phone sessions answer the provider with a media stream instead.
 */
export async function createDispatchingSession(c: Context<AppEnv>, req: CreateSessionRequest): Promise<CreatedSession> {
  const { agent } = req;
  const config = await configToRun(c, agent, req.publishedOnly, req.publishedSnapshot);
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
  const phone = req.phone;
  const room = sessionRoom(c, sessionId);
  const limits = { ...settings.sessions, ...(req.maxDurationMs !== undefined ? { maxDurationMs: Math.min(req.maxDurationMs, settings.sessions.maxDurationMs) } : {}) };
  // The row and the room are written at the same time: the row already says Dispatching, which
  // the room confirms (and from then on writes every change through to the row itself).
  const inserting = db.insert(sessions).values({
    id: sessionId,
    spaceId: agent.spaceId,
    agentId: agent.id,
    agentVersion: agent.publishedVersion,
    draftVersion: agent.publishedVersion === null ? agent.version : null,
    status: "dispatching",
    channel: req.channel,
    caller: req.caller,
    language,
    variables: variables.values,
    mediaDriver: phone ? "twilio" : settings.runtime.mediaDriver,
    ...(phone
      ? { direction: phone.direction, fromNumber: phone.from, toNumber: phone.to, phoneNumberId: phone.phoneNumberId, providerCallId: phone.providerCallId }
      : {}),
  });
  const dispatching = (async () => {
    await room.init({ sessionId, ...limits });
    return room.transition({ to: "dispatching", rowWrittenByCaller: true });
  })();
  const [inserted, moved] = await Promise.allSettled([inserting, dispatching]);
  if (inserted.status === "rejected") {
    // No row (a concurrent duplicate call, a deleted agent): the room must not wait for an agent.
    if (moved.status === "fulfilled" && moved.value.ok) await room.transition({ to: "failed", reason: "session could not be created" }).catch(() => undefined);
    throw inserted.reason;
  }
  if (moved.status === "rejected") throw moved.reason;
  if (!moved.value.ok) throw new Error(`session room refused dispatching: ${moved.value.code}`);
  return { sessionId, config, language, variables: variables.values, room };
}

/** A live-events URL for a viewer of the session (10 minutes). */
export async function viewerEventsUrl(c: Context<AppEnv>, sessionId: string, agentId: string): Promise<string> {
  const subscriber = await signSessionToken(c.get("config").runtime.tokenSecret, { sessionId, agentId, scope: "events", ttlS: 600, role: "viewer" });
  return eventsUrl(c, sessionId, subscriber);
}

export async function dispatchSession(c: Context<AppEnv>, req: DispatchRequest): Promise<DispatchResult> {
  const { agent } = req;
  const settings = c.get("config");
  const { sessionId, language, room } = await createDispatchingSession(c, req);
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
  return { sessionId, status: "dispatching", agentId: agent.id, agentVersion: agent.publishedVersion, language, media, eventsUrl: await viewerEventsUrl(c, sessionId, agent.id) };
}

// Dispatching a session, shared by the authenticated API and the public (widget) endpoint: the
// agent's configuration to run, variables through the shared renderer, the session row, its
// SessionRoom, the media connection and the live events URL. Creating a session needs no request
// (SessionDeps): a campaign's CampaignRunner Durable Object places calls too.
import type { Context } from "hono";
import { and, eq } from "drizzle-orm";
import { AgentConfig, coerceVariables, newId, type CoerceSource, type TelephonyProviderName } from "@speaknode/contracts";
import { agentVersions, sessions, type Database } from "@speaknode/db";
import type { Config } from "../config.ts";
import type { AppEnv } from "../context.ts";
import { toAgent, type AgentRow } from "../agents/store.ts";
import { ApiError, notFound } from "../errors.ts";
import { mediaDriverFor, type MediaConnection } from "./media.ts";
import { sessionRoomIn, type SessionRoomStub } from "./room.ts";
import { signSessionToken } from "@speaknode/tokens";
import { LiveKitError } from "./livekit/twirp.ts";
import { publicOrigin } from "../lib/public-url.ts";
import { insertAdmittedSession } from "../billing/admission.ts";
import type { BillingState } from "../billing/subscription.ts";
import type { WorkerEnv } from "../env.ts";

export interface DispatchRequest {
  agent: AgentRow;
  /** The public endpoint serves published agents only; the API may run a draft. */
  publishedOnly: boolean;
  variables: Record<string, unknown>;
  variablesSource: CoerceSource;
  language: string | undefined;
  /** `test`: a member's test of the agent's current draft, run even when a version is published,
   *  whose live events URL carries the member role (turn metrics, tool results). */
  channel: "api" | "web" | "widget" | "test";
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

/** What creating a session needs, with or without a request: a Durable Object builds it itself. */
export interface SessionDeps {
  db: Database;
  config: Config;
  /** The Worker env (the SESSION_ROOM binding). */
  env: WorkerEnv;
  /** Public origin for links and provider callbacks (config.publicUrl wins over it). */
  origin: string;
}

export function sessionDepsOf(c: Context<AppEnv>): SessionDeps {
  return { db: c.get("db"), config: c.get("config"), env: c.env, origin: publicOrigin(c) };
}

/** The origin links point at: PUBLIC_URL when set, else the one the deps were built with. */
export function originOf(deps: Pick<SessionDeps, "config" | "origin">): string {
  return deps.config.publicUrl ?? deps.origin;
}

function eventsUrlAt(origin: string, sessionId: string, token: string): string {
  const base = new URL(origin);
  base.protocol = base.protocol === "https:" ? "wss:" : "ws:";
  return `${base.origin}/live/sessions/${sessionId}?token=${encodeURIComponent(token)}`;
}

export function eventsUrl(c: Context<AppEnv>, sessionId: string, token: string): string {
  return eventsUrlAt(publicOrigin(c), sessionId, token);
}

async function snapshotConfig(db: Database, agentId: string, version: number): Promise<AgentConfig | null> {
  const [row] = await db
    .select({ snapshot: agentVersions.snapshot })
    .from(agentVersions)
    .where(and(eq(agentVersions.agentId, agentId), eq(agentVersions.version, version)));
  return row ? AgentConfig.parse((row.snapshot as { agent: unknown }).agent) : null;
}

/** The configuration a session (or a campaign upload's validation) runs; exported for the contacts upload. */
export async function configToRun(db: Database, req: Pick<CreateSessionRequest, "agent" | "publishedOnly" | "publishedSnapshot" | "campaign"> & { channel?: CreateSessionRequest["channel"] }): Promise<AgentConfig> {
  const { agent, publishedOnly, publishedSnapshot } = req;
  if (req.channel === "test") {
    // The public endpoint never runs a draft, and a test is never a campaign's call.
    if (publishedOnly || req.campaign) throw new Error("a test session runs the draft: not public, not a campaign's");
    return AgentConfig.parse(toAgent(agent));
  }
  if (req.campaign) {
    // A campaign runs the version pinned at its launch, whatever the agent publishes since.
    const pinned = await snapshotConfig(db, agent.id, req.campaign.agentVersion);
    if (!pinned) throw new ApiError("gone", `version ${req.campaign.agentVersion} of the campaign's agent no longer exists`);
    return pinned;
  }
  if (agent.publishedVersion === null) {
    if (publishedOnly) throw notFound("published agent");
    return AgentConfig.parse(toAgent(agent));
  }
  if (publishedSnapshot !== undefined) return AgentConfig.parse((publishedSnapshot as { agent: unknown }).agent);
  const published = await snapshotConfig(db, agent.id, agent.publishedVersion);
  if (!published) throw new Error("published version row is missing");
  return published;
}

/** The phone facts of a session created for a call (personal data: never logged). */
export interface PhoneFacts {
  direction: "inbound" | "outbound";
  from: string | null;
  to: string | null;
  phoneNumberId: string;
  /** Known at once for inbound calls; set when the provider accepts an outbound one. */
  providerCallId: string | null;
  /** The connection's provider (stored as the session's media driver: the call's media is theirs). */
  provider: TelephonyProviderName;
}

export interface CreateSessionRequest extends Omit<DispatchRequest, "channel"> {
  channel: DispatchRequest["channel"] | "phone";
  phone?: PhoneFacts;
  /** A shorter limit than the platform's (outbound calls' maxDurationS). */
  maxDurationMs?: number;
  /** The published version's snapshot when the caller read it already (saves a round trip). */
  publishedSnapshot?: unknown;
  /** The space's billing state when the caller read it already (saves a round trip). */
  billing?: BillingState;
  /** A campaign's call: the session is linked to its attempt (one session per attempt, enforced
   *  by a unique index) and runs the campaign's pinned version. */
  campaign?: { campaignId: string; attemptId: string; agentVersion: number };
}

export interface CreatedSession {
  sessionId: string;
  config: AgentConfig;
  language: string;
  variables: Record<string, string | number | boolean | null>;
  room: SessionRoomStub;
}

/**
 * The transport-independent half of a dispatch: the configuration to run, the variables, the
 * session row and its SessionRoom moved to Dispatching. Web sessions then connect media
 * (dispatchSession); phone sessions answer the provider with a media stream instead.
 */
export async function createDispatchingSession(deps: SessionDeps, req: CreateSessionRequest): Promise<CreatedSession> {
  const { agent, campaign } = req;
  const { db } = deps;
  const config = await configToRun(db, req);
  req.admit?.(config);
  const language = req.language ?? config.defaultLanguage;
  if (!config.locales.some((l) => l.language.toLowerCase() === language.toLowerCase())) {
    throw new ApiError("validation_failed", "the agent does not speak this language", { errors: [{ field: "body.language", message: `one of ${config.locales.map((l) => l.language).join(", ")}` }] });
  }
  const variables = coerceVariables(config.variables, req.variables, { source: req.variablesSource, fieldPrefix: "body.variables" });
  if (!variables.ok) throw new ApiError("validation_failed", "the variables do not fit the agent's schema", { errors: variables.errors });

  const settings = deps.config;
  const sessionId = newId("session");
  const phone = req.phone;
  const room = sessionRoomIn(deps.env, sessionId);
  const limits = { ...settings.sessions, ...(req.maxDurationMs !== undefined ? { maxDurationMs: Math.min(req.maxDurationMs, settings.sessions.maxDurationMs) } : {}) };
  const values: typeof sessions.$inferInsert = {
    id: sessionId,
    spaceId: agent.spaceId,
    agentId: agent.id,
    agentVersion: campaign ? campaign.agentVersion : runsDraft(req) ? null : agent.publishedVersion,
    draftVersion: campaign || !runsDraft(req) ? null : agent.version,
    status: "dispatching",
    channel: req.channel,
    caller: req.caller,
    language,
    variables: variables.values,
    mediaDriver: phone ? phone.provider : settings.runtime.mediaDriver,
    ...(phone
      ? { direction: phone.direction, fromNumber: phone.from, toNumber: phone.to, phoneNumberId: phone.phoneNumberId, providerCallId: phone.providerCallId }
      : {}),
    ...(campaign ? { campaignId: campaign.campaignId, campaignAttemptId: campaign.attemptId } : {}),
  };
  // One call to the room: it is created and moved to Dispatching together.
  const dispatch = () => room.dispatch({ sessionId, ...limits, ...(campaign ? { campaign: { campaignId: campaign.campaignId, attemptId: campaign.attemptId } } : {}) });
  // The plan admits the session in the transaction that inserts its row (a dashboard test is
  // never refused): refused, there is no row, and the room is failed below.
  const insertRow = async () => {
    if (req.channel === "test") return void (await db.insert(sessions).values(values));
    await insertAdmittedSession(db, agent.spaceId, settings.billing.defaultPlan, values, new Date(), req.billing);
  };
  if (campaign) {
    // The row first: a second session for one attempt fails on the unique index before its room
    // exists, so no room of a duplicate ever reports an end to the campaign's runner.
    await insertRow();
    try {
      const moved = await dispatch();
      if (!moved.ok) throw new Error(`session room refused dispatching: ${moved.code}`);
    } catch (err) {
      // Not left holding a call slot of its number and space: the row says why it never ran.
      await db.update(sessions).set({ status: "failed", failureReason: "session could not be created", endedAt: new Date() }).where(eq(sessions.id, sessionId)).catch(() => undefined);
      throw err;
    }
    return { sessionId, config, language, variables: variables.values, room };
  }
  // Otherwise the row and the room are written at the same time: the row already says
  // Dispatching, which the room confirms (and from then on writes every change through itself).
  const [inserted, moved] = await Promise.allSettled([insertRow(), dispatch()]);
  if (inserted.status === "rejected") {
    // No row (a concurrent duplicate call, a deleted agent, refused by the plan): the room must
    // not wait for an agent.
    if (moved.status === "fulfilled" && moved.value.ok) await room.transition({ to: "failed", reason: "session could not be created" }).catch(() => undefined);
    throw inserted.reason;
  }
  if (moved.status === "rejected") throw moved.reason;
  if (!moved.value.ok) throw new Error(`session room refused dispatching: ${moved.value.code}`);
  return { sessionId, config, language, variables: variables.values, room };
}

/** The session runs the agent's draft (agent_version null): a test, or an unpublished agent. */
function runsDraft(req: Pick<CreateSessionRequest, "agent" | "channel">): boolean {
  return req.channel === "test" || req.agent.publishedVersion === null;
}

/** A live-events URL of the session (10 minutes) for a subscriber of that role. */
async function subscriberEventsUrl(deps: Pick<SessionDeps, "config" | "origin">, sessionId: string, agentId: string, role: "viewer" | "member"): Promise<string> {
  const subscriber = await signSessionToken(deps.config.runtime.tokenSecret, { sessionId, agentId, scope: "events", ttlS: 600, role });
  return eventsUrlAt(originOf(deps), sessionId, subscriber);
}

/** A live-events URL for a viewer of the session (10 minutes). */
export function viewerEventsUrl(deps: Pick<SessionDeps, "config" | "origin">, sessionId: string, agentId: string): Promise<string> {
  return subscriberEventsUrl(deps, sessionId, agentId, "viewer");
}

export async function dispatchSession(c: Context<AppEnv>, req: DispatchRequest & Pick<CreateSessionRequest, "publishedSnapshot" | "billing">): Promise<DispatchResult> {
  const { agent } = req;
  const deps = sessionDepsOf(c);
  const settings = deps.config;
  const { sessionId, language, room } = await createDispatchingSession(deps, req);
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
  // Only a member's test session hands out the member role: a widget's URL may sit in anyone's browser.
  const role = req.channel === "test" ? "member" : "viewer";
  const agentVersion = runsDraft(req) ? null : agent.publishedVersion;
  return { sessionId, status: "dispatching", agentId: agent.id, agentVersion, language, media, eventsUrl: await subscriberEventsUrl(deps, sessionId, agent.id, role) };
}

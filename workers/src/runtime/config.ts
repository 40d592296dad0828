// The configuration a session runs with, as the voice runtime needs it: the published snapshot the
// session was dispatched with (or the agent's current draft for a draft session), prompt and first
// messages rendered with the session's variables, webhook tools with their secret headers
// decrypted from the live tool rows (secrets rotate; snapshots never hold them; they go out only
// when the URL that runs — a snapshot may hold an older one — is on their origin), and transfer
// targets resolved to names, and each stage's provider access (space key or platform endpoint).
import { and, eq, inArray } from "drizzle-orm";
import { z } from "zod";
import { AgentConfig, CampaignSettings, renderText, systemToolDescriptions, TelephonyProviderName, Tool, text, type VoicemailPolicy } from "@speaknode/contracts";
import type { RuntimeConfig, RuntimePhone, RuntimeTool, RuntimeTransferTarget, RuntimeWebhookTool } from "@speaknode/contracts";
import { agents, agentVersions, campaigns, phoneNumbers, tools, type Database } from "@speaknode/db";
import { toAgent } from "../agents/store.ts";
import { ApiError } from "../errors.ts";
import { log } from "../lib/log.ts";
import { decryptJson } from "../lib/secrets.ts";
import { toTool } from "../tools/serialize.ts";
import { boundSecretOrigin, toolUrlOrigin } from "../tools/tool-url.ts";
import { runtimeStages } from "../providers/runtime-access.ts";
import type { SessionRow } from "./session.ts";

const ParameterLocations = z.record(text(), z.enum(["path", "query", "body", "bodyRoot"])).nullable();
const SnapshotTool = Tool.extend({ parameterLocations: ParameterLocations.optional() });
type SnapshotTool = z.infer<typeof SnapshotTool>;
const Snapshot = z.object({ agent: AgentConfig, tools: z.array(SnapshotTool) });
const SecretHeaders = z.record(text(), text());

type ToolRow = typeof tools.$inferSelect;

interface Source {
  agentId: string;
  config: AgentConfig;
  /** Webhook tool definitions by id: frozen in the snapshot, or the live rows for a draft. */
  definitions: Map<string, SnapshotTool>;
  /** The live rows of those tools, where the secret headers are. */
  liveTools: Map<string, ToolRow>;
}

async function toolRows(db: Database, spaceId: string, ids: string[]): Promise<Map<string, ToolRow>> {
  if (ids.length === 0) return new Map();
  const rows = await db.select().from(tools).where(and(eq(tools.spaceId, spaceId), inArray(tools.id, ids)));
  return new Map(rows.map((r) => [r.id, r]));
}

async function loadSource(db: Database, session: SessionRow): Promise<Source> {
  const agentId = session.agentId;
  if (agentId === null) throw new ApiError("gone", "the session's agent was deleted");
  if (session.agentVersion !== null) {
    const [version] = await db
      .select({ snapshot: agentVersions.snapshot })
      .from(agentVersions)
      .where(and(eq(agentVersions.agentId, agentId), eq(agentVersions.version, session.agentVersion)));
    if (!version) throw new ApiError("gone", `version ${session.agentVersion} of the session's agent no longer exists`);
    const snapshot = Snapshot.parse(version.snapshot);
    return {
      agentId,
      config: snapshot.agent,
      definitions: new Map(snapshot.tools.map((t) => [t.id, t])),
      liveTools: await toolRows(db, session.spaceId, webhookIds(snapshot.agent)),
    };
  }
  // Drafts keep no history: a draft session runs the draft as it is now.
  const [row] = await db.select().from(agents).where(and(eq(agents.id, agentId), eq(agents.spaceId, session.spaceId)));
  if (!row) throw new ApiError("gone", "the session's agent was deleted");
  const config = toAgent(row);
  const liveTools = await toolRows(db, session.spaceId, webhookIds(config));
  const definitions = new Map([...liveTools.values()].map((r): [string, SnapshotTool] => [r.id, { ...toTool(r), parameterLocations: r.parameterLocations }]));
  return { agentId, config, definitions, liveTools };
}

/** The agent configuration a session runs (its published snapshot, or the draft as it is now). */
export async function sessionAgentConfig(db: Database, session: SessionRow): Promise<AgentConfig> {
  return (await loadSource(db, session)).config;
}

function webhookIds(config: AgentConfig): string[] {
  return [...new Set(config.tools.flatMap((t) => (t.type === "webhook" ? [t.toolId] : [])))];
}

function transferTargetIds(config: AgentConfig, definitions: Map<string, SnapshotTool>): string[] {
  const ids = new Set<string>();
  for (const ref of config.tools) {
    if (ref.type === "system") for (const t of ref.targets ?? []) ids.add(t.agentId);
    else for (const rule of definitions.get(ref.toolId)?.transferRules ?? []) ids.add(rule.targetAgentId);
  }
  return [...ids];
}

/** The live row's secret headers and query parameters and their origin, for a definition whose URL
 *  is on that origin; none otherwise (a snapshot published before the tool moved to another origin, or after). */
async function secretsFor(secretsKey: string, def: SnapshotTool, row: ToolRow | undefined, sessionId: string): Promise<{ secretHeaders: Record<string, string>; secretQuery: Record<string, string>; secretOrigin: string | null }> {
  const none = { secretHeaders: {}, secretQuery: {}, secretOrigin: null };
  if (!row || (row.secretHeaders === null && row.secretQuery === null)) return none;
  const origin = boundSecretOrigin(row);
  if (origin === null || toolUrlOrigin(def.url) !== origin) {
    log.warn("runtime config: webhook tool's URL is not on the origin its secrets belong to; they are withheld", { sessionId, toolId: def.id });
    return none;
  }
  return {
    secretHeaders: row.secretHeaders === null ? {} : SecretHeaders.parse(await decryptJson(secretsKey, row.secretHeaders)),
    secretQuery: row.secretQuery === null ? {} : SecretHeaders.parse(await decryptJson(secretsKey, row.secretQuery)),
    secretOrigin: origin,
  };
}

export async function buildRuntimeConfig(db: Database, secretsKey: string, session: SessionRow): Promise<RuntimeConfig> {
  const { agentId, config, definitions, liveTools } = await loadSource(db, session);

  const targetIds = transferTargetIds(config, definitions);
  const targetRows = targetIds.length
    ? await db.select({ id: agents.id, name: agents.name, publishedVersion: agents.publishedVersion }).from(agents).where(and(eq(agents.spaceId, session.spaceId), inArray(agents.id, targetIds)))
    : [];
  const targets = new Map<string, RuntimeTransferTarget>(targetRows.map((r) => [r.id, { agentId: r.id, name: r.name, published: r.publishedVersion !== null }]));

  const variables = session.variables;
  const stages = await runtimeStages(db, secretsKey, session.spaceId, config);
  const runtimeTools: RuntimeTool[] = [];
  for (const ref of config.tools) {
    if (ref.type === "system") {
      const reachable = (ref.targets ?? []).flatMap((t) => {
        const target = targets.get(t.agentId);
        return target ? [{ agentId: t.agentId, name: target.name, when: t.when }] : [];
      });
      const destinations = (ref.destinations ?? []).map((d) => ({ name: d.name, number: d.number, when: d.when, announcement: renderText(d.announcement, variables) }));
      runtimeTools.push({ type: "system", name: ref.name, description: systemToolDescriptions[ref.name], targets: reachable, destinations });
      continue;
    }
    const def = definitions.get(ref.toolId);
    if (!def) {
      log.warn("runtime config: webhook tool missing from the agent's source", { sessionId: session.id, toolId: ref.toolId });
      continue;
    }
    if (!liveTools.has(def.id) && def.secretHeaderNames.length > 0) {
      log.warn("runtime config: webhook tool deleted since publishing; its secret headers are gone", { sessionId: session.id, toolId: def.id });
    }
    const tool: RuntimeWebhookTool = {
      type: "webhook",
      id: def.id,
      code: def.code,
      description: def.description,
      method: def.method,
      url: def.url,
      headersSchema: def.headersSchema,
      bodySchema: def.bodySchema,
      headers: def.headers,
      ...(await secretsFor(secretsKey, def, liveTools.get(def.id), session.id)),
      timeoutMs: def.timeoutMs,
      preToolSpeech: def.preToolSpeech,
      progressSpeech: def.progressSpeech,
      transferRules: def.transferRules.filter((r) => targets.has(r.targetAgentId)),
      parameterLocations: def.parameterLocations ?? null,
      bodyEncoding: def.bodyEncoding ?? "json",
      parameterStyles: def.parameterStyles ?? {},
    };
    runtimeTools.push(tool);
  }

  return {
    sessionId: session.id,
    spaceId: session.spaceId,
    agentId,
    agentVersion: session.agentVersion,
    draftVersion: session.draftVersion,
    status: session.status,
    channel: session.channel,
    language: session.language,
    variables,
    agent: {
      name: config.name,
      systemPrompt: renderText(config.systemPrompt, variables),
      temperature: config.temperature,
      maxTokensPerConversation: config.maxTokensPerConversation,
      llm: stages.llm,
      stt: stages.stt,
      vad: config.vad,
      turn: config.turn,
      autoDetectLanguage: config.autoDetectLanguage,
      defaultLanguage: config.defaultLanguage,
    },
    locales: stages.locales.map((l) => ({ ...l, firstMessage: renderText(l.firstMessage, variables) })),
    tools: runtimeTools,
    transferTargets: [...targets.values()],
    providerAccess: stages.access,
    phone: await phoneOf(db, session, config),
  };
}

/** The voicemail policy of a campaign's call: the campaign's own (fixed at launch) unless it
 *  inherits the agent's. */
async function campaignVoicemail(db: Database, session: SessionRow): Promise<VoicemailPolicy | null> {
  if (session.campaignId === null) return null;
  const [campaign] = await db.select({ settings: campaigns.settings }).from(campaigns).where(eq(campaigns.id, session.campaignId));
  if (!campaign) return null;
  const voicemail = CampaignSettings.shape.voicemail.safeParse(campaign.settings["voicemail"]);
  if (!voicemail.success) {
    log.warn("runtime config: the campaign's voicemail setting does not parse; the agent's applies", { sessionId: session.id, campaignId: session.campaignId });
    return null;
  }
  return voicemail.data === "inherit" ? null : voicemail.data;
}

/** A phone session's call as the runtime needs it: numbers, recording, voicemail policy. */
async function phoneOf(db: Database, session: SessionRow, config: AgentConfig): Promise<RuntimePhone | null> {
  if (session.channel !== "phone" || !session.direction) return null;
  const [[number], override] = await Promise.all([
    session.phoneNumberId ? db.select({ recordingEnabled: phoneNumbers.recordingEnabled }).from(phoneNumbers).where(eq(phoneNumbers.id, session.phoneNumberId)) : Promise.resolve([]),
    campaignVoicemail(db, session),
  ]);
  const voicemail = override ?? config.telephony.voicemail;
  return {
    // A phone session's media driver is its connection's provider (sessions/dispatch.ts).
    provider: TelephonyProviderName.safeParse(session.mediaDriver).data ?? "twilio",
    direction: session.direction,
    from: session.fromNumber,
    to: session.toNumber,
    providerCallId: session.providerCallId,
    recordingEnabled: number?.recordingEnabled ?? true,
    voicemail: { action: voicemail.action, message: renderText(voicemail.message, session.variables) },
  };
}

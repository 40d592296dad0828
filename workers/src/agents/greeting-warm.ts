// After a publish, the voice runtime synthesizes the new version's first messages into its greeting
// cache (POST /v1/greetings/warm), so the version's first call starts its greeting at once instead
// of waiting for the TTS. Done after the answer (waitUntil) with a 2-minute greeting-warm token
// bound to the agent; nothing here can fail or slow the publish beyond building the request.
// Only drafts are not warmed: they change with every save, cost the space's TTS characters each
// time, and a draft's test call fills the cache for the next one anyway.
// A locale is warmed when the runtime would speak exactly the text sent: a first message without
// placeholders, or whose placeholders all have defaults (what a session renders when the caller
// gives none of them). Keys follow the voice preview's rules: a space's key goes with its own base
// URL; a model the Admin pointed at an endpoint of the platform's is left to the first call (the
// runtime's warm route, like the preview, only knows the platform's environment endpoint).
import { placeholderNames, renderText, type AgentConfig, type Locale, type VariableValue } from "@speaknode/contracts";
import type { Database } from "@speaknode/db";
import { signGreetingWarmToken } from "@speaknode/tokens";
import type { Context } from "hono";
import type { AppEnv } from "../context.ts";
import { errorFields, log } from "../lib/log.ts";
import { runtimeStages } from "../providers/runtime-access.ts";

/** The runtime synthesizes for up to 30 s per locale, two at a time; the Worker stops waiting here. */
const runtimeTimeoutMs = 60_000;

export interface GreetingWarmBody {
  agentId: string;
  agentVersion: number;
  draftVersion: null;
  greetings: { locale: Locale; credential: { apiKey: string; baseUrl: string } | null }[];
}

/** The text a session speaks when the caller gives none of the greeting's variables; null when that is not known. */
export function greetingWithDefaults(firstMessage: string, variables: AgentConfig["variables"]): string | null {
  if (firstMessage.trim() === "") return null;
  const values: Record<string, VariableValue> = {};
  for (const name of placeholderNames(firstMessage)) {
    const spec = Object.hasOwn(variables.properties, name) ? variables.properties[name] : undefined;
    if (spec?.default === undefined) return null;
    values[name] = spec.default;
  }
  return renderText(firstMessage, values);
}

/** The warm request for a published version: the locales as its sessions' runtime configuration carries them. */
export async function greetingWarmBody(db: Database, secretsKey: string, spaceId: string, agentId: string, version: number, config: AgentConfig): Promise<GreetingWarmBody> {
  const stages = await runtimeStages(db, secretsKey, spaceId, config);
  const greetings: GreetingWarmBody["greetings"] = [];
  for (const locale of stages.locales) {
    const text = greetingWithDefaults(locale.firstMessage, config.variables);
    if (text === null) continue;
    const { provider, model, credentialId } = locale.tts;
    if (stages.access.platformEndpoints.some((e) => e.kind === "tts" && e.provider === provider && e.model === model)) continue;
    let credential: { apiKey: string; baseUrl: string } | null = null;
    if (typeof credentialId === "string") {
      const key = stages.access.credentials.find((c) => c.id === credentialId && c.provider === provider);
      if (!key) continue;
      credential = { apiKey: key.apiKey, baseUrl: key.baseUrl };
    }
    greetings.push({ locale: { ...locale, firstMessage: text }, credential });
  }
  return { agentId, agentVersion: version, draftVersion: null, greetings };
}

/** Builds the request now (the request's database closes with it) and sends it after the answer. */
export async function warmGreetingsAfterPublish(c: Context<AppEnv>, agent: { id: string; spaceId: string; publishedVersion: number | null }, config: AgentConfig): Promise<void> {
  if (agent.publishedVersion === null) return;
  const fields = { agentId: agent.id, version: agent.publishedVersion };
  let body: GreetingWarmBody;
  try {
    body = await greetingWarmBody(c.get("db"), c.get("config").secretsKey, agent.spaceId, agent.id, agent.publishedVersion, config);
  } catch (err) {
    log.warn("greeting warm: the request could not be built", { ...fields, ...errorFields(err) });
    return;
  }
  if (body.greetings.length === 0) return;
  const runtime = c.get("config").runtime;
  const send = async () => {
    const token = await signGreetingWarmToken(runtime.tokenSecret, { spaceId: agent.spaceId, agentId: agent.id, ttlS: 120 });
    const res = await fetch(`${runtime.httpUrl}/v1/greetings/warm`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(runtimeTimeoutMs),
    });
    await res.body?.cancel();
    if (!res.ok) log.warn("greeting warm: the voice runtime refused", { ...fields, status: res.status });
  };
  const work = send().catch((err: unknown) => log.warn("greeting warm: the voice runtime is unreachable", { ...fields, ...errorFields(err) }));
  try {
    c.executionCtx.waitUntil(work);
  } catch {
    // No execution context (the app called directly, as some tests do): it runs on its own.
  }
}

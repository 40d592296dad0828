// The pre-flight: what would stop an agent from working as configured, found before it is
// published — a provider with no key or engine here, a model out of the catalog, a voice its
// provider does not have, an STT or TTS that cannot handle a locale's language, a silent greeting,
// a webhook tool deleted since. Each problem is a sentence naming the field as the editor labels it.
import { and, eq, inArray } from "drizzle-orm";
import { AgentConfig, offlineProviders, voiceIssue, type PreflightProblem } from "@speaknode/contracts";
import { agentVersions, tools, type Database } from "@speaknode/db";
import type { AgentRow } from "./store.ts";
import { capabilities, languageHandled, languageLabel, providerReadiness, readinessFacts, reportedVoices, type ReadinessFacts, type StageKind } from "./readiness.ts";

export interface PreflightFacts extends ReadinessFacts {
  /** Ids of the space's webhook tools among those the configuration references. */
  existingToolIds: Set<string>;
}

export interface PreflightDeps {
  now: Date;
}

interface Stage {
  kind: StageKind;
  /** "Language model", "German (de) · Text-to-speech". */
  label: string;
  /** Dotted path of the stage in the configuration: `llm`, `locales.1.tts`. */
  path: string;
  provider: string;
  model: string;
  credentialId?: string | null | undefined;
}

function stagesOf(config: AgentConfig): Stage[] {
  return [
    { kind: "llm", label: "Language model", path: "llm", ...config.llm },
    { kind: "stt", label: "Speech-to-text", path: "stt", ...config.stt },
    ...config.locales.map((l, i): Stage => ({ kind: "tts", label: `${languageLabel(l.language)} · Text-to-speech`, path: `locales.${i}.tts`, ...l.tts })),
  ];
}

function stageProblems(stage: Stage, language: string | null, facts: PreflightFacts): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  const model = facts.catalog.find((m) => m.kind === stage.kind && m.provider === stage.provider && m.model === stage.model);
  if (!model) problems.push({ code: "model_unavailable", field: `${stage.path}.model`, language, message: `${stage.label}: "${stage.model}" is not a ${stage.provider} model of the catalog; pick another model` });
  else if (!model.enabled) problems.push({ code: "model_unavailable", field: `${stage.path}.model`, language, message: `${stage.label}: "${stage.model}" of ${stage.provider} was disabled by the platform admin; pick another model` });

  if (stage.credentialId) {
    // The stage names one of the space's keys: that key is what the runtime uses.
    const key = facts.spaceKeys.find((k) => k.id === stage.credentialId);
    if (!key || key.provider !== stage.provider) problems.push({ code: "provider_key_missing", field: `${stage.path}.credentialId`, language, message: `${stage.label}: the chosen provider key is not a ${stage.provider} key of this space any more; choose another key` });
    return problems;
  }
  const ready = providerReadiness(facts, stage.kind, stage.provider);
  if (ready.usable && ready.source !== "space") return problems;
  const spaceKey = facts.spaceKeys.find((k) => k.provider === stage.provider);
  if (spaceKey) {
    // The space has a key, but this stage does not name it: the runtime would look for the platform's.
    problems.push({ code: "provider_key_missing", field: `${stage.path}.credentialId`, language, message: `${stage.label}: ${stage.provider} has no platform key here; choose this space's key "${spaceKey.name}"` });
  } else if (ready.reason) {
    // Keys are the fix only when a runtime is there and could run the provider.
    const caps = capabilities(facts.reports, stage.kind, stage.provider);
    const unavailable = facts.reports.length === 0 || offlineProviders.has(stage.provider) || (caps.length > 0 && caps.every((c) => !c.available));
    problems.push(
      unavailable
        ? { code: "provider_unavailable", field: `${stage.path}.provider`, language, message: `${stage.label}: ${ready.reason}` }
        : { code: "provider_key_missing", field: `${stage.path}.provider`, language, message: `${stage.label}: ${stage.provider} has no key here; add a ${stage.provider} provider key to this space, or the platform key to the voice runtime's environment` },
    );
  }
  return problems;
}

/** The languages a stage's model handles here: the catalog's list and, for an offline engine, what
 *  the runtime has installed. null = any. */
function handledLanguages(stage: Stage, facts: PreflightFacts): { catalog: string[] | null; runtime: string[] | null } {
  const model = facts.catalog.find((m) => m.kind === stage.kind && m.provider === stage.provider && m.model === stage.model);
  const ready = providerReadiness(facts, stage.kind, stage.provider);
  return { catalog: model && model.languages.length > 0 ? model.languages : null, runtime: ready.source === "offline" ? ready.languages : null };
}

function languageProblems(config: AgentConfig, stages: Stage[], facts: PreflightFacts): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  const stt = stages.find((s) => s.kind === "stt");
  const cannot = (stage: Stage, language: string) => {
    const { catalog, runtime } = handledLanguages(stage, facts);
    return (catalog !== null && !languageHandled(catalog, language)) || (runtime !== null && !languageHandled(runtime, language));
  };
  config.locales.forEach((locale, i) => {
    const name = languageLabel(locale.language);
    if (stt && cannot(stt, locale.language)) problems.push({ code: "language_unsupported", field: "stt.model", language: locale.language, message: `Speech-to-text: ${stt.provider} cannot hear ${name}` });
    const tts = stages.find((s) => s.path === `locales.${i}.tts`);
    if (tts && cannot(tts, locale.language)) problems.push({ code: "language_unsupported", field: `locales.${i}.tts.model`, language: locale.language, message: `${name} · Text-to-speech: ${tts.provider} cannot speak ${name}` });
  });
  return problems;
}

function localeProblems(config: AgentConfig, facts: PreflightFacts): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  config.locales.forEach((locale, i) => {
    const name = languageLabel(locale.language);
    const { provider, voice, credentialId } = locale.tts;
    const issue = voiceIssue(provider, voice);
    if (issue) problems.push({ code: "voice_unknown", field: `locales.${i}.tts.voice`, language: locale.language, message: `${name} · Voice: ${issue}` });
    else if (!credentialId) {
      // With the platform key, the voices the runtime listed from that account are the ones there are.
      const listed = reportedVoices(facts.reports, provider);
      if (listed.length > 0 && !listed.some((v) => v.id === voice)) {
        problems.push({ code: "voice_unknown", field: `locales.${i}.tts.voice`, language: locale.language, message: `${name} · Voice: "${voice}" is not one of the ${listed.length} ${provider} voices of the platform's account; pick one from the voice library` });
      }
    }
    if (locale.firstMessage.trim() === "") problems.push({ code: "greeting_empty", field: `locales.${i}.firstMessage`, language: locale.language, message: `${name} · First message: is empty; write what the agent says when the call starts` });
  });
  return problems;
}

function toolProblems(config: AgentConfig, facts: PreflightFacts): PreflightProblem[] {
  return config.tools.flatMap((ref, i): PreflightProblem[] =>
    ref.type === "webhook" && !facts.existingToolIds.has(ref.toolId)
      ? [{ code: "tool_missing", field: `tools.${i}.toolId`, language: null, message: `Tools: a webhook tool the agent uses (${ref.toolId}) no longer exists in this space; remove it or attach another` }]
      : [],
  );
}

/** Every problem of a configuration, from facts already loaded (pure: tested without a database). */
export function preflightProblems(config: AgentConfig, facts: PreflightFacts): PreflightProblem[] {
  const stages = stagesOf(config);
  const stageLanguage = (s: Stage) => (s.kind === "tts" ? (config.locales[Number(s.path.split(".")[1])]?.language ?? null) : null);
  return [
    ...stages.flatMap((s) => stageProblems(s, stageLanguage(s), facts)),
    ...localeProblems(config, facts),
    ...languageProblems(config, stages, facts),
    ...toolProblems(config, facts),
  ];
}

export async function runPreflight(db: Database, spaceId: string, config: AgentConfig, deps: PreflightDeps): Promise<PreflightProblem[]> {
  const toolIds = [...new Set(config.tools.flatMap((t) => (t.type === "webhook" ? [t.toolId] : [])))];
  const [facts, found] = await Promise.all([
    readinessFacts(db, spaceId, deps.now),
    toolIds.length > 0 ? db.select({ id: tools.id }).from(tools).where(and(eq(tools.spaceId, spaceId), inArray(tools.id, toolIds))) : Promise.resolve([]),
  ]);
  return preflightProblems(config, { ...facts, existingToolIds: new Set(found.map((t) => t.id)) });
}

/** Keys sorted at every level, so two configurations compare equal whatever order they were written in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The draft differs from the live version's configuration; false when never published. */
export async function unpublishedChanges(db: Database, row: AgentRow, draft: AgentConfig): Promise<boolean> {
  if (row.publishedVersion === null) return false;
  const [live] = await db.select({ snapshot: agentVersions.snapshot }).from(agentVersions).where(and(eq(agentVersions.agentId, row.id), eq(agentVersions.version, row.publishedVersion)));
  if (!live) return true;
  const published = AgentConfig.safeParse((live.snapshot as { agent?: unknown }).agent);
  // Both sides through the same schema: defaults filled, unknown keys dropped.
  const current = AgentConfig.safeParse(draft);
  return !published.success || !current.success || canonical(published.data) !== canonical(current.data);
}

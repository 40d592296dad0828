// Checks of an agent's configuration that need more than its own shape: providers and models
// against the enabled catalog, locales against the default language, {{placeholders}} against the
// declared variables (also in attached tools' URLs and headers), tool references and provider keys
// against the space, voices against their TTS provider. Errors block the save; warnings are returned with the saved agent.
import { and, eq, inArray } from "drizzle-orm";
import { checkTemplates, voiceIssue, type AgentConfig, type FieldError } from "@speaknode/contracts";
import { agents, catalogModels, tools, type Database } from "@speaknode/db";
import { checkStageCredentials, stageCredentialRefs } from "../providers/credentials.ts";

export interface ConfigFindings {
  errors: FieldError[];
  warnings: FieldError[];
}

type ModelRef = { kind: "llm" | "stt" | "tts" | "vad"; provider: string; model: string; field: string };

async function checkCatalog(db: Database, refs: ModelRef[]): Promise<FieldError[]> {
  const rows = await db
    .select({ kind: catalogModels.kind, provider: catalogModels.provider, model: catalogModels.model, enabled: catalogModels.enabled })
    .from(catalogModels)
    .where(inArray(catalogModels.provider, [...new Set(refs.map((r) => r.provider))]));
  const known = new Map(rows.map((r) => [`${r.kind}|${r.provider}|${r.model}`, r.enabled]));
  const errors: FieldError[] = [];
  for (const ref of refs) {
    const enabled = known.get(`${ref.kind}|${ref.provider}|${ref.model}`);
    if (enabled === undefined) errors.push({ field: ref.field, message: `unknown ${ref.kind} model "${ref.model}" of provider "${ref.provider}" (see GET /v1/catalog)` });
    else if (!enabled) errors.push({ field: ref.field, message: `${ref.kind} model "${ref.model}" of provider "${ref.provider}" is disabled` });
  }
  return errors;
}

function checkLocales(config: AgentConfig): FieldError[] {
  const errors: FieldError[] = [];
  const seen = new Set<string>();
  config.locales.forEach((locale, i) => {
    const key = locale.language.toLowerCase();
    if (seen.has(key)) errors.push({ field: `body.locales.${i}.language`, message: `language "${locale.language}" appears twice` });
    seen.add(key);
  });
  if (!seen.has(config.defaultLanguage.toLowerCase())) errors.push({ field: "body.defaultLanguage", message: `"${config.defaultLanguage}" has no locale` });
  // A voice of another provider (OpenAI's "alloy" for flite) would fail every call at its first word.
  config.locales.forEach((locale, i) => {
    const issue = voiceIssue(locale.tts.provider, locale.tts.voice);
    if (issue) errors.push({ field: `body.locales.${i}.tts.voice`, message: issue });
  });
  return errors;
}

async function checkTools(db: Database, spaceId: string, config: AgentConfig, selfId: string | undefined): Promise<{ errors: FieldError[]; texts: { field: string; text: string }[] }> {
  const errors: FieldError[] = [];
  const texts: { field: string; text: string }[] = [];
  const webhookIds = config.tools.flatMap((t) => (t.type === "webhook" ? [t.toolId] : []));
  const found = webhookIds.length
    ? await db.select({ id: tools.id, url: tools.url, headers: tools.headers, code: tools.code }).from(tools).where(and(eq(tools.spaceId, spaceId), inArray(tools.id, webhookIds)))
    : [];
  const byId = new Map(found.map((t) => [t.id, t]));
  const targetIds = config.tools.flatMap((t) => (t.type === "system" ? (t.targets ?? []).map((x) => x.agentId) : []));
  const targets = targetIds.length ? await db.select({ id: agents.id }).from(agents).where(and(eq(agents.spaceId, spaceId), inArray(agents.id, targetIds))) : [];
  const targetSet = new Set(targets.map((a) => a.id));
  const seen = new Set<string>();
  config.tools.forEach((ref, i) => {
    const key = ref.type === "webhook" ? ref.toolId : `system:${ref.name}`;
    if (seen.has(key)) errors.push({ field: `body.tools.${i}`, message: "is attached twice" });
    seen.add(key);
    if (ref.type === "webhook") {
      const tool = byId.get(ref.toolId);
      if (!tool) {
        errors.push({ field: `body.tools.${i}.toolId`, message: "no such tool in this space" });
        return;
      }
      // The tool's {{variables}} are filled from this agent's variables: they must be declared here.
      texts.push({ field: `body.tools.${i} (${tool.code}.url)`, text: tool.url });
      for (const [name, value] of Object.entries(tool.headers)) texts.push({ field: `body.tools.${i} (${tool.code}.headers.${name})`, text: value });
    } else {
      if (ref.name === "transfer_to_agent" && !(ref.targets && ref.targets.length > 0)) {
        errors.push({ field: `body.tools.${i}.targets`, message: "transfer_to_agent needs at least one target agent" });
      }
      (ref.targets ?? []).forEach((target, j) => {
        if (target.agentId === selfId) errors.push({ field: `body.tools.${i}.targets.${j}.agentId`, message: "an agent cannot transfer to itself" });
        else if (!targetSet.has(target.agentId)) errors.push({ field: `body.tools.${i}.targets.${j}.agentId`, message: "no such agent in this space" });
      });
    }
  });
  return { errors, texts };
}

export async function validateAgentConfig(db: Database, spaceId: string, config: AgentConfig, selfId?: string): Promise<ConfigFindings> {
  const modelRefs: ModelRef[] = [
    { kind: "llm", provider: config.llm.provider, model: config.llm.model, field: "body.llm.model" },
    { kind: "stt", provider: config.stt.provider, model: config.stt.model, field: "body.stt.model" },
    { kind: "vad", provider: "silero", model: config.vad.model, field: "body.vad.model" },
    ...config.locales.map((l, i) => ({ kind: "tts" as const, provider: l.tts.provider, model: l.tts.model, field: `body.locales.${i}.tts.model` })),
  ];
  // A stage may name one of this space's provider keys, for its own provider only.
  const [catalogErrors, toolFindings, credentialErrors] = await Promise.all([checkCatalog(db, modelRefs), checkTools(db, spaceId, config, selfId), checkStageCredentials(db, spaceId, stageCredentialRefs(config))]);
  const ownTexts = [
    { field: "body.systemPrompt", text: config.systemPrompt },
    ...config.locales.map((l, i) => ({ field: `body.locales.${i}.firstMessage`, text: l.firstMessage })),
  ];
  const templates = checkTemplates(config.variables, [...ownTexts, ...toolFindings.texts]);
  const warnings = templates.unusedVariables.map((name) => ({ field: `body.variables.properties.${name}`, message: `variable "${name}" is declared but used nowhere` }));
  return { errors: [...checkLocales(config), ...catalogErrors, ...credentialErrors, ...toolFindings.errors, ...templates.errors], warnings };
}

// What the voice runtime needs to reach each stage's provider: the decrypted space credentials the
// stages name, the platform Admin's endpoints of the catalog models they run on, and params with
// the catalog's tuning defaults filled in (the agent's own values win). Endpoints never come from
// an agent's params: those are checked per provider and can no longer name one.
import { and, inArray } from "drizzle-orm";
import { platformBaseUrl, tuningDefaults, type AgentConfig, type Locale, type ProviderChoice, type RuntimePlatformEndpoint, type RuntimeProviderAccess } from "@speaknode/contracts";
import { catalogModels, type Database } from "@speaknode/db";
import { runtimeCredentials } from "./credentials.ts";

type Kind = "llm" | "stt" | "tts";

export interface RuntimeStages {
  llm: ProviderChoice;
  stt: ProviderChoice;
  locales: Locale[];
  access: RuntimeProviderAccess;
}

export async function runtimeStages(db: Database, secretsKey: string, spaceId: string, config: AgentConfig): Promise<RuntimeStages> {
  const stages: { kind: Kind; choice: { provider: string; model: string; credentialId?: string | null | undefined } }[] = [
    { kind: "llm", choice: config.llm },
    { kind: "stt", choice: config.stt },
    ...config.locales.map((l) => ({ kind: "tts" as const, choice: l.tts })),
  ];
  const rows = await db
    .select({ kind: catalogModels.kind, provider: catalogModels.provider, model: catalogModels.model, defaultParams: catalogModels.defaultParams })
    .from(catalogModels)
    .where(and(inArray(catalogModels.provider, [...new Set(stages.map((s) => s.choice.provider))]), inArray(catalogModels.model, [...new Set(stages.map((s) => s.choice.model))])));
  const defaultsOf = (kind: Kind, provider: string, model: string) => rows.find((r) => r.kind === kind && r.provider === provider && r.model === model)?.defaultParams ?? {};

  const platformEndpoints: RuntimePlatformEndpoint[] = [];
  for (const { kind, choice } of stages) {
    const baseUrl = platformBaseUrl(defaultsOf(kind, choice.provider, choice.model));
    if (baseUrl && !platformEndpoints.some((e) => e.kind === kind && e.provider === choice.provider && e.model === choice.model)) {
      platformEndpoints.push({ kind, provider: choice.provider, model: choice.model, baseUrl });
    }
  }
  const credentials = await runtimeCredentials(db, secretsKey, spaceId, stages.flatMap((s) => (s.choice.credentialId ? [s.choice.credentialId] : [])));
  const withDefaults = <T extends { provider: string; model: string; params: ProviderChoice["params"] }>(kind: Kind, choice: T): T => ({
    ...choice,
    params: { ...tuningDefaults(kind, choice.provider, defaultsOf(kind, choice.provider, choice.model)), ...choice.params },
  });
  return {
    llm: withDefaults("llm", config.llm),
    stt: withDefaults("stt", config.stt),
    locales: config.locales.map((l) => ({ ...l, tts: withDefaults("tts", l.tts) })),
    access: { credentials, platformEndpoints },
  };
}

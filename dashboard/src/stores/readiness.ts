// Which providers work in this deployment for the open space (GET /v1/spaces/{id}/providers), in
// words for the model pickers, the languages each STT/TTS handles, the locales whose speech to text
// cannot hear their language, and the models a new agent should start with.
import { signal } from "@preact/signals";
import type { AgentConfig } from "../../../packages/contracts/src/agents.ts";
import { ProvidersReadiness, type ProviderReadiness } from "../../../packages/contracts/src/agent-builder.ts";
import type { CatalogModel, ModelKind } from "../../../packages/contracts/src/catalog.ts";
import type { Api } from "../api/client.ts";
import { handlesLanguage, languageLabel, languagesText } from "./language-label.ts";

export function createReadinessStore(api: Api) {
  const readiness = signal<ProvidersReadiness | null>(null);
  const error = signal<string | null>(null);
  let loadedFor: string | null = null;

  async function load(spaceId: string, opts: { force?: boolean } = {}): Promise<ProvidersReadiness> {
    if (!opts.force && loadedFor === spaceId && readiness.value) return readiness.value;
    const found = await api.json(ProvidersReadiness, "GET", `/v1/spaces/${encodeURIComponent(spaceId)}/providers`);
    loadedFor = spaceId;
    readiness.value = found;
    error.value = null;
    return found;
  }
  return { readiness, error, load };
}
export type ReadinessStore = ReturnType<typeof createReadinessStore>;

/** The readiness of one (kind, provider); undefined when not known (not loaded, or not listed). */
export function readinessOf(r: ProvidersReadiness | null, kind: ModelKind, provider: string): ProviderReadiness | undefined {
  return r?.data.find((e) => e.kind === kind && e.provider === provider);
}

const sourceText = { offline: "runs offline in the voice runtime", platform: "uses the platform's key", space: "uses one of this space's provider keys" } as const;

/** "Ready: uses the platform's key", or why not ("Not usable: needs a key: add one under Provider keys"). */
export function readinessText(r: ProvidersReadiness | null, kind: ModelKind, provider: string): { usable: boolean | null; text: string } {
  if (!r) return { usable: null, text: "" };
  const entry = readinessOf(r, kind, provider);
  if (!entry) return { usable: false, text: r.runtimeReportedAt ? "Not usable here: no enabled model or runtime support." : "Not known: no voice runtime has reported yet." };
  if (entry.usable) return { usable: true, text: `Ready: ${entry.source ? sourceText[entry.source] : "usable here"}.` };
  return { usable: false, text: `Not usable: ${entry.reason ?? "not available in this deployment"}.`.replace(/\.\.$/, ".") };
}

/** A short suffix for a model option in a select: " — ready" or " — <why not>". */
export function optionNote(r: ProvidersReadiness | null, kind: ModelKind, provider: string): string {
  if (!r) return "";
  const entry = readinessOf(r, kind, provider);
  if (entry?.usable) return " — ready";
  return ` — ${entry?.reason ?? (r.runtimeReportedAt ? "not usable here" : "no runtime has reported")}`;
}

/**
 * The languages an STT or TTS model handles here: the runtime's list (offline engines) narrowed by
 * the catalog model's own; null = any.
 */
export function modelLanguages(r: ProvidersReadiness | null, model: Pick<CatalogModel, "kind" | "provider" | "languages"> | undefined, kind: ModelKind, provider: string): string[] | null {
  const reported = readinessOf(r, kind, provider)?.languages ?? null;
  const catalog = model && model.languages.length > 0 ? model.languages : null;
  if (reported && catalog) {
    const both = catalog.filter((l) => handlesLanguage(reported, l));
    return both.length > 0 ? both : reported;
  }
  return catalog ?? reported;
}

/** "Handles German (de), English (en)" or "Handles any language". */
export function languagesLine(languages: string[] | null): string {
  return `Handles ${languagesText(languages)}.`;
}

/** Per locale index, why the agent's speech to text cannot hear that locale's language (absent: it can). */
export function sttLanguageIssues(draft: Pick<AgentConfig, "stt" | "locales">, catalog: CatalogModel[] | null, r: ProvidersReadiness | null): Record<number, string> {
  const model = catalog?.find((m) => m.kind === "stt" && m.provider === draft.stt.provider && m.model === draft.stt.model);
  const languages = modelLanguages(r, model, "stt", draft.stt.provider);
  const out: Record<number, string> = {};
  draft.locales.forEach((l, i) => {
    if (l.language && !handlesLanguage(languages, l.language)) {
      out[i] = `Speech to text ${model?.displayName ?? `${draft.stt.provider} / ${draft.stt.model}`} cannot hear ${languageLabel(l.language)}: it handles ${languagesText(languages)}.`;
    }
  });
  return out;
}

/**
 * The model of a kind a new agent should start with: a usable cloud provider first (better
 * conversations), else a usable offline one (the embedded stack), preferring models that handle
 * every language. When nothing is known usable (no report, or none usable), the offline engines:
 * they need no key.
 */
export function defaultModel(catalog: CatalogModel[], r: ProvidersReadiness | null, kind: ModelKind, languages: string[] = []): CatalogModel | undefined {
  const ofKind = catalog.filter((m) => m.kind === kind && m.enabled);
  const fits = (m: CatalogModel) => languages.every((l) => handlesLanguage(modelLanguages(r, m, kind, m.provider), l));
  const usable = (m: CatalogModel) => readinessOf(r, kind, m.provider)?.usable === true;
  const ranked = [
    (m: CatalogModel) => usable(m) && !m.offline && fits(m),
    (m: CatalogModel) => usable(m) && fits(m),
    (m: CatalogModel) => usable(m),
    (m: CatalogModel) => m.offline && fits(m),
    (m: CatalogModel) => m.offline,
    (m: CatalogModel) => fits(m),
    () => true,
  ];
  for (const rank of ranked) {
    const found = ofKind.find(rank);
    if (found) return found;
  }
  return undefined;
}

// Provider readiness in the agent editor's pickers: each model option says whether its provider is
// usable here, and under the picker the chosen provider's state (or why not, with a link to the
// space's provider keys) and the languages it handles.
import { useEffect } from "preact/hooks";
import type { CatalogModel, ModelKind } from "../../../packages/contracts/src/catalog.ts";
import { errorMessage } from "../api/client.ts";
import { spacePath } from "../router.ts";
import type { AgentEditorStore } from "../stores/agent-editor.ts";
import { handlesLanguage, languageLabel } from "../stores/language-label.ts";
import { languagesLine, modelLanguages, optionNote, readinessText } from "../stores/readiness.ts";

/** Loads the space's readiness once per editor; a failure is said once, under the pickers. */
export function useReadiness(store: AgentEditorStore): void {
  const spaceId = store.agent.value?.spaceId;
  useEffect(() => {
    if (spaceId) store.readiness.load(spaceId).catch((err: unknown) => (store.readiness.error.value = `Could not check which providers work here: ${errorMessage(err)}`));
  }, [spaceId]);
}

/** Said once per tab when the readiness could not be loaded (the pickers then say nothing about it). */
export function ReadinessError({ store }: { store: AgentEditorStore }) {
  return store.readiness.error.value ? <p class="muted">{store.readiness.error.value}</p> : null;
}

/** The `note` of a ModelSelect: " — ready" or why the provider is not usable. */
export const readinessNote = (store: AgentEditorStore, kind: ModelKind) => (m: CatalogModel) => optionNote(store.readiness.readiness.value, kind, m.provider);

/** Under a picker: usable or why not, the languages it handles, and whether it handles `language`. */
export function ReadinessLine(props: { store: AgentEditorStore; kind: ModelKind; choice: { provider: string; model: string }; language?: string }) {
  const { store, kind, choice } = props;
  const r = store.readiness.readiness.value;
  const spaceId = store.agent.value?.spaceId;
  if (!r) return null;
  const status = readinessText(r, kind, choice.provider);
  const model = store.catalog.value?.find((m) => m.kind === kind && m.provider === choice.provider && m.model === choice.model);
  const languages = kind === "llm" ? null : modelLanguages(r, model, kind, choice.provider);
  const misses = props.language && kind !== "llm" && !handlesLanguage(languages, props.language);
  return (
    <small class={status.usable === false || misses ? "warn-text" : "muted"}>
      {status.text}
      {status.usable === false && spaceId && (
        <>
          {" "}
          <a href={spacePath(spaceId, "providerKeys")}>Provider keys</a>
        </>
      )}
      {kind !== "llm" && ` ${languagesLine(languages)}`}
      {misses && ` It does not handle ${languageLabel(props.language ?? "")}.`}
    </small>
  );
}

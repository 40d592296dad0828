// Agents of a space: search by name (server-side, debounced), published state and last edit,
// create an agent that works here (name, languages, usable models, voice, first messages) and open it in the editor,
// delete with confirmation. Each row opens the agent in the editor (AgentEditorPage).
import { useSignal } from "@preact/signals";
import { useEffect, useMemo } from "preact/hooks";
import type { CatalogModel, ModelKind } from "../../../packages/contracts/src/catalog.ts";
import { errorMessage } from "../api/client.ts";
import { agentPath } from "../router.ts";
import { defaultGreeting, newAgentBody, parseLanguages } from "../stores/agents.ts";
import { useStores } from "../stores/index.ts";
import { languageLabel } from "../stores/language-label.ts";
import { createReadinessStore, defaultModel, languagesLine, modelLanguages, optionNote, readinessText } from "../stores/readiness.ts";
import { catalogLibrary, voiceForProvider, voiceLabel } from "../stores/voices.ts";
import { formatDate, formErrors, type FieldErrors } from "../ui/forms.ts";

const searchDebounceMs = 250;

export default function AgentsPage({ spaceId }: { spaceId: string }) {
  const { agents } = useStores();
  const search = useSignal("");
  const error = useSignal<string | null>(null);
  const creating = useSignal(false);
  useEffect(() => {
    const timer = setTimeout(() => {
      error.value = null;
      agents.load(spaceId, search.value).catch((err: unknown) => (error.value = errorMessage(err)));
    }, search.value ? searchDebounceMs : 0);
    return () => clearTimeout(timer);
  }, [spaceId, search.value]);

  const remove = (id: string, name: string) => {
    if (!confirm(`Delete the agent "${name}"? Its published widget stops working.`)) return;
    agents.remove(id).catch((err: unknown) => (error.value = errorMessage(err)));
  };

  return (
    <section>
      <div class="row">
        <h1>Agents</h1>
        <span class="spacer" />
        <input type="search" aria-label="Search agents" placeholder="Search by name" value={search.value} onInput={(e) => (search.value = e.currentTarget.value)} />
        <button onClick={() => (creating.value = !creating.value)}>{creating.value ? "Close" : "New agent"}</button>
      </div>
      {creating.value && <CreateAgentForm spaceId={spaceId} onDone={() => (creating.value = false)} />}
      {error.value && <p class="error">{error.value}</p>}
      {agents.agents.value.length === 0 ? (
        <p class="muted">{agents.loading.value ? "Loading…" : search.value ? "No agent matches this search." : "No agents yet."}</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th>Name</th>
              <th>State</th>
              <th>Last edited</th>
              <th><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {agents.agents.value.map((a) => (
              <tr key={a.id}>
                <td>
                  <a href={agentPath(spaceId, a.id)}>{a.name}</a>
                </td>
                <td>{a.published ? <span class="badge ok">Published v{a.publishedVersion}</span> : <span class="badge">Draft</span>}</td>
                <td>{formatDate(a.updatedAt)}</td>
                <td>
                  <button class="link danger" onClick={() => remove(a.id, a.name)}>
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

const modelKey = (m: CatalogModel) => m.id;

/**
 * A new agent that works here from the start: models default to providers the readiness report
 * says are usable (the offline ones on the embedded stack), a first message per language, and the
 * voice follows the chosen TTS provider.
 */
function CreateAgentForm({ spaceId, onDone }: { spaceId: string; onDone: () => void }) {
  const { agents, api, router } = useStores();
  const readinessStore = useMemo(() => createReadinessStore(api), [api]);
  const name = useSignal("");
  const languagesText = useSignal("en");
  const greetings = useSignal<Record<string, string>>({});
  const picked = useSignal<Partial<Record<ModelKind, string>>>({});
  const voice = useSignal<string | null>(null);
  const fields = useSignal<FieldErrors>({});
  const message = useSignal<string | null>(null);
  const readinessError = useSignal<string | null>(null);
  useEffect(() => {
    if (!agents.catalog.value) agents.loadCatalog().catch((err: unknown) => (message.value = errorMessage(err)));
    readinessStore.load(spaceId).catch((err: unknown) => (readinessError.value = `Could not check which providers work here: ${errorMessage(err)}`));
  }, [spaceId]);
  const catalog = agents.catalog.value ?? [];
  const readiness = readinessStore.readiness.value;
  const languages = parseLanguages(languagesText.value);
  const ofKind = (kind: ModelKind) => catalog.filter((m) => m.kind === kind);
  const chosen = (kind: ModelKind) => {
    const id = picked.value[kind];
    return ofKind(kind).find((m) => m.id === id) ?? defaultModel(catalog, readiness, kind, kind === "llm" ? [] : languages);
  };
  const tts = chosen("tts");
  const modelVoice = typeof tts?.defaultParams["voice"] === "string" ? tts.defaultParams["voice"] : null;
  // The voice typed stays while it belongs to the TTS provider; otherwise the provider's own default.
  const voiceValue = tts ? voiceForProvider(tts.provider, voice.value ?? "", { modelDefault: modelVoice }) || (voice.value ?? "") : (voice.value ?? "");
  const greetingOf = (language: string) => greetings.value[language] ?? defaultGreeting(language);

  const submit = async (e: Event) => {
    e.preventDefault();
    const llm = chosen("llm");
    const stt = chosen("stt");
    if (!llm || !stt || !tts) {
      message.value = "The catalog has no enabled LLM, STT or TTS model; ask the platform Admin to enable one.";
      return;
    }
    message.value = null;
    try {
      const input = { name: name.value, languages: languages.map((language) => ({ language, firstMessage: greetingOf(language) })), llm, stt, tts, voice: voiceValue };
      newAgentBody(input); // the API's schema first, for instant field messages
      fields.value = {};
      const saved = await agents.create(input);
      onDone();
      // A new agent is a minimal draft: open it in the editor straight away.
      router.navigate(agentPath(saved.spaceId, saved.id));
    } catch (err) {
      const f = formErrors(err);
      fields.value = f.fields;
      message.value = f.message;
    }
  };

  const select = (kind: ModelKind, label: string) => {
    const current = chosen(kind);
    const status = current ? readinessText(readiness, kind, current.provider) : null;
    const heard = kind !== "llm" && current ? modelLanguages(readiness, current, kind, current.provider) : null;
    return (
      <label>
        {label}
        <select value={current?.id ?? ""} onChange={(e) => (picked.value = { ...picked.value, [kind]: e.currentTarget.value })}>
          {ofKind(kind).map((m) => (
            <option key={modelKey(m)} value={m.id}>
              {m.displayName}
              {optionNote(readiness, kind, m.provider)}
            </option>
          ))}
        </select>
        {status?.text && <small class={status.usable === false ? "warn-text" : "muted"}>{status.text}</small>}
        {kind !== "llm" && current && <small class="muted">{languagesLine(heard)}</small>}
      </label>
    );
  };
  const fieldError = (...keys: string[]) => keys.map((k) => fields.value[k]).find(Boolean);
  const voices = tts ? catalogLibrary(tts.provider) : null;

  return (
    <form class="card grid" onSubmit={submit} noValidate>
      <label>
        Name
        <input value={name.value} onInput={(e) => (name.value = e.currentTarget.value)} autoFocus />
        {fieldError("name") && <span class="error">{fieldError("name")}</span>}
      </label>
      <label>
        Languages
        <input value={languagesText.value} onInput={(e) => (languagesText.value = e.currentTarget.value)} placeholder="en, de" />
        <small class="muted">{languages.length > 0 ? `${languages.map(languageLabel).join(", ")}${languages.length > 1 ? " — the first is the default; the agent may switch between them" : ""}` : "Language tags separated by commas, e.g. en, de"}</small>
        {fieldError("defaultLanguage", "locales", "locales.0.language", "locales.1.language") && <span class="error">{fieldError("defaultLanguage", "locales", "locales.0.language", "locales.1.language")}</span>}
      </label>
      {select("llm", "Language model")}
      {select("stt", "Speech to text")}
      {select("tts", "Text to speech")}
      <label>
        Voice
        <input value={voiceValue} list="new-agent-voices" placeholder={voices?.hint ?? "voice id of the TTS provider"} onInput={(e) => (voice.value = e.currentTarget.value)} />
        <datalist id="new-agent-voices">
          {(voices?.voices ?? []).map((v) => (
            <option key={v.id} value={v.id} label={voiceLabel(v)} />
          ))}
        </datalist>
        {fieldError("locales.0.tts.voice") && <span class="error">{fieldError("locales.0.tts.voice")}</span>}
      </label>
      {languages.map((language, i) => (
        <label key={language}>
          {languages.length > 1 ? `First message · ${languageLabel(language)}` : "First message"}
          <input value={greetingOf(language)} onInput={(e) => (greetings.value = { ...greetings.value, [language]: e.currentTarget.value })} />
          {fieldError(`locales.${i}.firstMessage`) && <span class="error">{fieldError(`locales.${i}.firstMessage`)}</span>}
        </label>
      ))}
      {readinessError.value && <small class="muted">{readinessError.value}</small>}
      <div class="row">
        <button type="submit">Create agent</button>
        {message.value && <span class="error">{message.value}</span>}
      </div>
    </form>
  );
}

// Agents of a space: search by name (server-side, debounced), published state and last edit,
// create a minimal agent (name, language, models from the catalog, voice) and open it in the editor,
// delete with confirmation. Each row opens the agent in the editor (AgentEditorPage).
import { useSignal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import type { CatalogModel, ModelKind } from "../../../packages/contracts/src/catalog.ts";
import { voicesFor } from "../../../packages/contracts/src/voices.ts";
import { errorMessage } from "../api/client.ts";
import { agentPath } from "../router.ts";
import { newAgentBody } from "../stores/agents.ts";
import { useStores } from "../stores/index.ts";
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
      {creating.value && <CreateAgentForm onDone={() => (creating.value = false)} />}
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
              <th />
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

function CreateAgentForm({ onDone }: { onDone: () => void }) {
  const { agents, router } = useStores();
  const name = useSignal("");
  const language = useSignal("en");
  const picked = useSignal<Partial<Record<ModelKind, string>>>({});
  const voice = useSignal("");
  const fields = useSignal<FieldErrors>({});
  const message = useSignal<string | null>(null);
  useEffect(() => {
    if (!agents.catalog.value) agents.loadCatalog().catch((err: unknown) => (message.value = errorMessage(err)));
  }, []);
  const catalog = agents.catalog.value ?? [];
  const ofKind = (kind: ModelKind) => catalog.filter((m) => m.kind === kind);
  const chosen = (kind: ModelKind) => {
    const id = picked.value[kind];
    return ofKind(kind).find((m) => m.id === id) ?? ofKind(kind)[0];
  };
  const tts = chosen("tts");
  const voiceDefault = typeof tts?.defaultParams["voice"] === "string" ? tts.defaultParams["voice"] : "";

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
      const input = { name: name.value, language: language.value, llm, stt, tts, voice: voice.value || voiceDefault };
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

  const select = (kind: ModelKind, label: string) => (
    <label>
      {label}
      <select value={chosen(kind)?.id ?? ""} onChange={(e) => (picked.value = { ...picked.value, [kind]: e.currentTarget.value })}>
        {ofKind(kind).map((m) => (
          <option key={modelKey(m)} value={m.id}>
            {m.displayName}
          </option>
        ))}
      </select>
    </label>
  );
  const fieldError = (...keys: string[]) => keys.map((k) => fields.value[k]).find(Boolean);

  return (
    <form class="card grid" onSubmit={submit} noValidate>
      <label>
        Name
        <input value={name.value} onInput={(e) => (name.value = e.currentTarget.value)} autoFocus />
        {fieldError("name") && <span class="error">{fieldError("name")}</span>}
      </label>
      <label>
        Language
        <input value={language.value} onInput={(e) => (language.value = e.currentTarget.value)} placeholder="en" />
        {fieldError("defaultLanguage", "locales.0.language") && <span class="error">{fieldError("defaultLanguage", "locales.0.language")}</span>}
      </label>
      {select("llm", "Language model")}
      {select("stt", "Speech to text")}
      {select("tts", "Text to speech")}
      <label>
        Voice
        <input value={voice.value} list="new-agent-voices" placeholder={voiceDefault || "voice id of the TTS provider"} onInput={(e) => (voice.value = e.currentTarget.value)} />
        <datalist id="new-agent-voices">
          {voicesFor(tts?.provider ?? "").voices.map((v) => (
            <option key={v.id} value={v.id} label={v.note ?? v.id} />
          ))}
        </datalist>
        {fieldError("locales.0.tts.voice") && <span class="error">{fieldError("locales.0.tts.voice")}</span>}
      </label>
      <div class="row">
        <button type="submit">Create agent</button>
        {message.value && <span class="error">{message.value}</span>}
      </div>
    </form>
  );
}

// The agent editor's Models tab (LLM and STT from the catalog with each provider's readiness and
// languages, locales the STT cannot hear flagged, each stage's provider parameters; the VAD is on
// the Turn-taking tab) and Variables tab (the schema editor: name, type, description, default,
// required; a rename carries the placeholders along). Each edits the store's draft.
import { useSignal } from "@preact/signals";
import { useEffect, useState } from "preact/hooks";
import type { ModelKind } from "../../../packages/contracts/src/catalog.ts";
import { agentParamShapes, tuningDefaults } from "../../../packages/contracts/src/provider-params.ts";
import { VariableType, type VariableSpec } from "../../../packages/contracts/src/variables.ts";
import { formatDefault, parseDefault, renameVariable, toolsUsingVariable } from "../stores/agent-editor-text.ts";
import { newVariableName, type AgentEditorStore } from "../stores/agent-editor.ts";
import { languageLabel } from "../stores/language-label.ts";
import { sttLanguageIssues } from "../stores/readiness.ts";
import { Field } from "../ui/fields.tsx";
import { KeyPicker } from "./AgentEditorKeys.tsx";
import { ParamsEditor } from "./AgentEditorParams.tsx";
import { ReadinessError, ReadinessLine, readinessNote, useReadiness } from "./AgentEditorReadiness.tsx";
import { ModelSelect, useErr, type Props } from "./AgentEditorTabs.tsx";

export function ModelsTab({ store }: Props) {
  const d = store.draft.value;
  const err = useErr(store);
  useReadiness(store);
  if (!d) return null;
  const deaf = sttLanguageIssues(d, store.catalog.value, store.readiness.readiness.value);
  // What the agent inherits from the catalog: its tuning, never the Admin's endpoint.
  const defaults = (kind: ModelKind, choice: { provider: string; model: string }) =>
    tuningDefaults(kind, choice.provider, store.catalog.value?.find((m) => m.kind === kind && m.provider === choice.provider && m.model === choice.model)?.defaultParams ?? {});
  const known = (kind: ModelKind, provider: string) => Object.keys(agentParamShapes[kind][provider] ?? {});
  const paramError = (prefix: string) => (key: string) => err(`${prefix}.params.${key}`) ?? err(`${prefix}.params`);
  const spaceId = store.agent.value?.spaceId;
  // Absent means the platform's key: the field is dropped rather than sent as null.
  const pickKey = (target: { credentialId?: string | null | undefined }, id: string | null) => {
    if (id === null) delete target.credentialId;
    else target.credentialId = id;
  };
  return (
    <div class="stack">
      {!store.catalog.value && <p class="muted">Loading the catalog…</p>}
      <ReadinessError store={store} />
      <h3>Language model (LLM)</h3>
      <Field label="Model" error={err("llm.model") ?? err("llm.provider") ?? err("llm")}>
        <ModelSelect store={store} kind="llm" value={d.llm} field="llm.model" note={readinessNote(store, "llm")} onPick={(m) => store.edit((x) => void (x.llm = { provider: m.provider, model: m.model, params: {} }))} />
        <ReadinessLine store={store} kind="llm" choice={d.llm} />
      </Field>
      {spaceId && <KeyPicker kind="llm" spaceId={spaceId} choice={d.llm} catalog={store.catalog.value} error={err("llm.credentialId")} onPick={(id) => store.edit((x) => pickKey(x.llm, id))} />}
      <ParamsEditor label="LLM" params={d.llm.params} defaults={defaults("llm", d.llm)} known={known("llm", d.llm.provider)} errorOf={paramError("llm")} onChange={(p) => store.edit((x) => void (x.llm.params = p))} />
      <h3>Speech to text (STT)</h3>
      <Field label="Model" error={err("stt.model") ?? err("stt.provider") ?? err("stt")}>
        <ModelSelect store={store} kind="stt" value={d.stt} language={d.defaultLanguage} field="stt.model" note={readinessNote(store, "stt")} onPick={(m) => store.edit((x) => void (x.stt = { provider: m.provider, model: m.model, params: {} }))} />
        <ReadinessLine store={store} kind="stt" choice={d.stt} />
      </Field>
      {Object.keys(deaf).length > 0 && (
        <ul class="warnings">
          {Object.entries(deaf).map(([i, message]) => (
            <li key={i}>{message}</li>
          ))}
        </ul>
      )}
      {spaceId && <KeyPicker kind="stt" spaceId={spaceId} choice={d.stt} catalog={store.catalog.value} error={err("stt.credentialId")} onPick={(id) => store.edit((x) => pickKey(x.stt, id))} />}
      <ParamsEditor label="STT" params={d.stt.params} defaults={defaults("stt", d.stt)} known={known("stt", d.stt.provider)} errorOf={paramError("stt")} onChange={(p) => store.edit((x) => void (x.stt.params = p))} />
      <h3>Text to speech (TTS)</h3>
      <p class="muted">Each language has its own voice: pick the model and voice in the Languages tab.</p>
      {d.locales.map((l, i) => (
        <div key={i} class="card">
          <strong>
            {languageLabel(l.language)} <span class="muted">{`${l.tts.provider} / ${l.tts.model}`}</span>
          </strong>
          {deaf[i] && <p class="warn-text">{deaf[i]}</p>}
          {spaceId && (
            <KeyPicker
              kind="tts"
              spaceId={spaceId}
              choice={l.tts}
              catalog={store.catalog.value}
              error={err(`locales.${i}.tts.credentialId`)}
              onPick={(id) =>
                store.edit((x) => {
                  const target = x.locales[i];
                  if (target) pickKey(target.tts, id);
                })
              }
            />
          )}
          <ParamsEditor
            label={`TTS ${languageLabel(l.language)}`}
            params={l.tts.params}
            defaults={defaults("tts", l.tts)}
            known={known("tts", l.tts.provider)}
            errorOf={paramError(`locales.${i}.tts`)}
            onChange={(p) =>
              store.edit((x) => {
                const target = x.locales[i];
                if (target) target.tts.params = p;
              })
            }
          />
        </div>
      ))}
    </div>
  );
}

export function VariablesTab({ store }: Props) {
  const d = store.draft.value;
  const err = useErr(store);
  if (!d) return null;
  const props = d.variables.properties;
  const entries = Object.entries(props);
  const add = () => store.edit((x) => void (x.variables.properties[newVariableName(x.variables.properties)] = { type: "string" }));
  const renamed = useSignal<string | null>(null);
  // Attached webhook tools may use a variable too; a rename cannot change them (they belong to the space).
  useEffect(() => {
    if (!store.tools.value) store.loadTools().catch(() => {});
  }, []);
  const onRenamed = (from: string, to: string) => {
    const attached = new Set(d.tools.flatMap((t) => (t.type === "webhook" ? [t.toolId] : [])));
    const stale = toolsUsingVariable((store.tools.value ?? []).filter((t) => attached.has(t.id)), from);
    renamed.value =
      `Renamed {{${from}}} to {{${to}}} in the system prompt and the first messages.` +
      (stale.length > 0 ? ` The webhook tools ${stale.join(", ")} still use {{${from}}}: update them on the space's Tools page.` : "");
  };
  return (
    <div class="stack">
      <p class="muted">Variables are filled per session (widget attributes, the public link's query, the API) and used in prompts as {"{{name}}"}.</p>
      {renamed.value && (
        <p class={renamed.value.includes("webhook tools") ? "warn-text" : "muted"} role="status">
          {renamed.value}
        </p>
      )}
      {err("variables") && <p class="error">{err("variables")}</p>}
      {err("variables.properties") && <p class="error">{err("variables.properties")}</p>}
      {entries.length === 0 ? (
        <p class="muted">No variables declared.</p>
      ) : (
        <table class="vars-table">
          <thead>
            <tr>
              <th>Name</th>
              <th>Type</th>
              <th>Description</th>
              <th>Default</th>
              <th>Required</th>
              <th>Nullable</th>
              <th><span class="visually-hidden">Actions</span></th>
            </tr>
          </thead>
          <tbody>
            {entries.map(([name, spec]) => (
              <VariableRow key={name} store={store} name={name} spec={spec} required={d.variables.required.includes(name)} taken={props} onRenamed={onRenamed} />
            ))}
          </tbody>
        </table>
      )}
      <div class="row">
        <button type="button" onClick={add}>
          Add variable
        </button>
      </div>
    </div>
  );
}

function VariableRow(props: { store: AgentEditorStore; name: string; spec: VariableSpec; required: boolean; taken: Record<string, VariableSpec>; onRenamed: (from: string, to: string) => void }) {
  const { store, name, spec } = props;
  const err = useErr(store);
  const [text, setText] = useState(name);
  const [nameError, setNameError] = useState<string | null>(null);
  const k = (rest: string) => `variables.properties.${name}${rest ? `.${rest}` : ""}`;
  const set = (fn: (s: VariableSpec) => void) =>
    store.edit((x) => {
      const target = x.variables.properties[name];
      if (target) fn(target);
    });
  const commitName = () => {
    const next = text.trim();
    if (next === name) return;
    if (Object.hasOwn(props.taken, next)) {
      setNameError(`"${next}" is already declared`);
      setText(name);
      return;
    }
    setNameError(null);
    // The placeholders move with the name, so the prompt keeps referring to the same variable.
    store.edit((x) => void Object.assign(x, renameVariable(x, name, next)));
    props.onRenamed(name, next);
  };
  const remove = () =>
    store.edit((x) => {
      x.variables.properties = Object.fromEntries(Object.entries(x.variables.properties).filter(([n]) => n !== name));
      x.variables.required = x.variables.required.filter((r) => r !== name);
    });
  const rowError = nameError ?? err(k("")) ?? err(`variables.required.${store.draft.value?.variables.required.indexOf(name) ?? -1}`);
  return (
    <tr>
      <td>
        <input aria-label="Variable name" value={text} onInput={(e) => setText(e.currentTarget.value)} onChange={commitName} onKeyDown={(e) => e.key === "Enter" && commitName()} />
        {rowError && <div class="error">{rowError}</div>}
      </td>
      <td>
        <select
          aria-label="Type"
          value={spec.type}
          onChange={(e) =>
            set((s) => {
              s.type = VariableType.parse(e.currentTarget.value);
              if (s.default !== undefined && s.default !== null) {
                const re = parseDefault(s.type, String(s.default));
                if (re === undefined) delete s.default;
                else s.default = re;
              }
            })
          }
        >
          {VariableType.options.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </select>
      </td>
      <td>
        <input aria-label="Description" value={spec.description ?? ""} onInput={(e) => set((s) => (e.currentTarget.value ? (s.description = e.currentTarget.value) : delete s.description))} />
        {err(k("description")) && <div class="error">{err(k("description"))}</div>}
      </td>
      <td>
        {spec.type === "boolean" ? (
          <select aria-label="Default" value={formatDefault(spec.default)} onChange={(e) => set((s) => setDefault(s, parseDefault("boolean", e.currentTarget.value)))}>
            <option value="">no default</option>
            <option value="true">true</option>
            <option value="false">false</option>
          </select>
        ) : (
          <input aria-label="Default" value={formatDefault(spec.default)} placeholder="no default" onInput={(e) => set((s) => setDefault(s, parseDefault(s.type, e.currentTarget.value)))} />
        )}
        {err(k("default")) && <div class="error">{err(k("default"))}</div>}
      </td>
      <td>
        <input
          type="checkbox"
          aria-label="Required"
          checked={props.required}
          onChange={(e) => {
            const on = e.currentTarget.checked;
            store.edit((x) => void (x.variables.required = on ? [...x.variables.required, name] : x.variables.required.filter((r) => r !== name)));
          }}
        />
      </td>
      <td>
        <input type="checkbox" aria-label="Nullable" checked={spec.nullable === true} onChange={(e) => set((s) => (e.currentTarget.checked ? (s.nullable = true) : delete s.nullable))} />
      </td>
      <td>
        <button type="button" class="link danger" onClick={remove}>
          Remove
        </button>
      </td>
    </tr>
  );
}

function setDefault(spec: VariableSpec, value: VariableSpec["default"]): void {
  if (value === undefined) delete spec.default;
  else spec.default = value;
}

// The agent editor's configuration tabs: General (name, prompt with {{variable}} checks and
// completion, temperature, token limit) and Languages (locales); Models and Variables are in
// AgentEditorModels.tsx. Each edits the store's draft; errors come from the store's `fields`.
import { useSignal } from "@preact/signals";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { BackgroundSound, type AgentConfig, type Locale } from "../../../packages/contracts/src/agents.ts";
import type { CatalogModel, ModelKind } from "../../../packages/contracts/src/catalog.ts";
import type { VariablesSchema } from "../../../packages/contracts/src/variables.ts";
import { applyCompletion, completionAt, promptVariables, type Completion } from "../stores/agent-editor-text.ts";
import type { AgentEditorStore } from "../stores/agent-editor.ts";
import { Field, NumberInput } from "../ui/fields.tsx";

export type Props = { store: AgentEditorStore };

export const useErr = (store: AgentEditorStore) => (key: string) => store.fields.value[key];

export function GeneralTab({ store }: Props) {
  const d = store.draft.value;
  const err = useErr(store);
  if (!d) return null;
  return (
    <div class="stack">
      <Field label="Name" error={err("name")}>
        <input value={d.name} maxLength={50} onInput={(e) => store.edit((x) => void (x.name = e.currentTarget.value))} />
      </Field>
      <Field label="System prompt" error={err("systemPrompt")} hint="Type {{ to insert a declared variable.">
        <PromptInput
          value={d.systemPrompt}
          variables={d.variables}
          onValue={(v) => store.edit((x) => void (x.systemPrompt = v))}
          onDeclare={(name) => store.edit((x) => void (x.variables.properties[name] = { type: "string" }))}
          rows={14}
        />
      </Field>
      <div class="grid">
        <Field label="Temperature" error={err("temperature")} hint="0 = focused, 1 = creative">
          <div class="row">
            <input type="range" min={0} max={1} step={0.05} value={d.temperature} onInput={(e) => store.edit((x) => void (x.temperature = e.currentTarget.valueAsNumber))} />
            <NumberInput value={d.temperature} min={0} max={1} step={0.05} label="Temperature value" onValue={(n) => store.edit((x) => void (x.temperature = n ?? Number.NaN))} />
          </div>
        </Field>
        <Field label="Token limit per conversation" error={err("maxTokensPerConversation")} hint="Empty: no limit">
          <NumberInput value={d.maxTokensPerConversation} min={100} step={1} placeholder="No limit" onValue={(n) => store.edit((x) => void (x.maxTokensPerConversation = n))} />
        </Field>
      </div>
    </div>
  );
}

/**
 * A textarea for templates: under it the `{{variables}}` it uses (declared, unknown with a button
 * to declare, malformed), and after `{{` a list of declared names to complete (↑ ↓, Enter or Tab, Esc).
 */
export function PromptInput(props: { value: string; variables: VariablesSchema; onValue: (v: string) => void; onDeclare: (name: string) => void; rows?: number }) {
  const ref = useRef<HTMLTextAreaElement>(null);
  const [caret, setCaret] = useState<number | null>(null);
  const [active, setActive] = useState(0);
  const [closed, setClosed] = useState(false);
  const pendingCaret = useRef<number | null>(null);
  const names = Object.keys(props.variables.properties);
  const completion: Completion | null = caret === null || closed ? null : completionAt(props.value, caret, names);
  const used = promptVariables(props.value, props.variables);

  useLayoutEffect(() => {
    const at = pendingCaret.current;
    if (at !== null && ref.current) {
      ref.current.setSelectionRange(at, at);
      pendingCaret.current = null;
    }
  });

  const track = (el: HTMLTextAreaElement) => {
    setCaret(el.selectionStart === el.selectionEnd ? el.selectionStart : null);
    setClosed(false);
  };
  const pick = (name: string) => {
    if (!completion || caret === null) return;
    const next = applyCompletion(props.value, caret, completion, name);
    pendingCaret.current = next.cursor;
    setCaret(next.cursor);
    setActive(0);
    props.onValue(next.text);
    ref.current?.focus();
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (!completion) return;
    const n = completion.options.length;
    if (e.key === "ArrowDown" || e.key === "ArrowUp") {
      e.preventDefault();
      setActive((i) => (i + (e.key === "ArrowDown" ? 1 : n - 1)) % n);
    } else if (e.key === "Enter" || e.key === "Tab") {
      e.preventDefault();
      pick(completion.options[Math.min(active, n - 1)] ?? "");
    } else if (e.key === "Escape") {
      e.preventDefault();
      setClosed(true);
    }
  };

  return (
    <div class="prompt">
      <textarea
        ref={ref}
        rows={props.rows ?? 4}
        value={props.value}
        spellcheck={false}
        onInput={(e) => {
          props.onValue(e.currentTarget.value);
          track(e.currentTarget);
          setActive(0);
        }}
        onKeyUp={(e) => !["ArrowDown", "ArrowUp", "Enter", "Tab", "Escape"].includes(e.key) && track(e.currentTarget)}
        onClick={(e) => track(e.currentTarget)}
        onBlur={() => setTimeout(() => setCaret(null), 150)}
        onKeyDown={onKeyDown}
      />
      {completion && (
        <ul class="completion" role="listbox">
          {completion.options.map((name, i) => (
            <li key={name} role="option" aria-selected={i === active} class={i === active ? "active" : ""} onMouseDown={(e) => (e.preventDefault(), pick(name))}>
              {`{{${name}}}`} <small class="muted">{props.variables.properties[name]?.type}</small>
            </li>
          ))}
        </ul>
      )}
      {(used.declared.length > 0 || used.unknown.length > 0 || used.malformed.length > 0) && (
        <div class="row vars">
          {used.declared.map((n) => (
            <code key={n} class="var ok" title="declared variable">{`{{${n}}}`}</code>
          ))}
          {used.unknown.map((n) => (
            <span key={n} class="var unknown" title="not declared: saving is refused">
              <code>{`{{${n}}}`}</code> unknown{" "}
              <button type="button" class="link" onClick={() => props.onDeclare(n)}>
                declare
              </button>
            </span>
          ))}
          {used.malformed.map((s) => (
            <code key={s} class="var unknown" title="malformed placeholder">
              {s}
            </code>
          ))}
        </div>
      )}
    </div>
  );
}

const modelValue = (m: { provider: string; model: string }) => `${m.provider}|${m.model}`;

/** A select of the enabled catalog models of a kind; the current choice stays listed even when the catalog lacks it. */
export function ModelSelect(props: { store: AgentEditorStore; kind: ModelKind; value: { provider: string; model: string }; onPick: (m: CatalogModel) => void; language?: string }) {
  const all = (props.store.catalog.value ?? []).filter((m) => m.kind === props.kind);
  const fits = (m: CatalogModel) => !props.language || m.languages.length === 0 || m.languages.some((l) => l.toLowerCase() === props.language?.toLowerCase() || props.language?.toLowerCase().startsWith(`${l.toLowerCase()}-`));
  const current = modelValue(props.value);
  const known = all.some((m) => modelValue(m) === current);
  return (
    <select
      value={current}
      onChange={(e) => {
        const picked = all.find((m) => modelValue(m) === e.currentTarget.value);
        if (picked) props.onPick(picked);
      }}
    >
      {!known && <option value={current}>{`${props.value.provider} / ${props.value.model} (not in the catalog)`}</option>}
      {all.map((m) => (
        <option key={m.id} value={modelValue(m)}>
          {m.displayName} ({m.provider}){fits(m) ? "" : " — not for this language"}
        </option>
      ))}
    </select>
  );
}

const defaultVoice = (m: CatalogModel) => (typeof m.defaultParams["voice"] === "string" ? m.defaultParams["voice"] : null);

export function LanguagesTab({ store }: Props) {
  const d = store.draft.value;
  const err = useErr(store);
  const adding = useSignal("");
  if (!d) return null;
  const add = () => {
    const language = adding.value.trim();
    if (!language) return;
    store.edit((x) => {
      const base = x.locales.find((l) => l.language === x.defaultLanguage) ?? x.locales[0];
      const locale: Locale = {
        language,
        firstMessage: "",
        tts: base ? structuredClone(base.tts) : { provider: "", model: "", voice: "", params: {} },
        speed: 1,
        background: { sound: "none", volume: 0.2 },
      };
      x.locales.push(locale);
    });
    adding.value = "";
  };
  const remove = (i: number) =>
    store.edit((x) => {
      const [gone] = x.locales.splice(i, 1);
      if (gone && gone.language === x.defaultLanguage) x.defaultLanguage = x.locales[0]?.language ?? x.defaultLanguage;
    });
  return (
    <div class="stack">
      <div class="grid">
        <Field label="Default language" error={err("defaultLanguage")}>
          <select value={d.defaultLanguage} onChange={(e) => store.edit((x) => void (x.defaultLanguage = e.currentTarget.value))}>
            {!d.locales.some((l) => l.language === d.defaultLanguage) && <option value={d.defaultLanguage}>{d.defaultLanguage} (no locale)</option>}
            {d.locales.map((l) => (
              <option key={l.language} value={l.language}>
                {l.language}
              </option>
            ))}
          </select>
        </Field>
        <label class="check">
          <input type="checkbox" checked={d.autoDetectLanguage} onChange={(e) => store.edit((x) => void (x.autoDetectLanguage = e.currentTarget.checked))} />
          Detect the caller's language automatically
        </label>
      </div>
      {err("locales") && <p class="error">{err("locales")}</p>}
      {d.locales.map((l, i) => (
        <LocaleCard key={i} store={store} locale={l} index={i} isDefault={l.language === d.defaultLanguage} onRemove={d.locales.length > 1 ? () => remove(i) : null} variables={d.variables} />
      ))}
      <div class="row">
        <input aria-label="New locale's language" placeholder="Language tag, e.g. de or pt-BR" value={adding.value} onInput={(e) => (adding.value = e.currentTarget.value)} onKeyDown={(e) => e.key === "Enter" && (e.preventDefault(), add())} />
        <button type="button" onClick={add} disabled={!adding.value.trim()}>
          Add language
        </button>
      </div>
    </div>
  );
}

function LocaleCard(props: { store: AgentEditorStore; locale: Locale; index: number; isDefault: boolean; onRemove: (() => void) | null; variables: VariablesSchema }) {
  const { store, locale: l, index: i } = props;
  const err = useErr(store);
  const k = (rest: string) => `locales.${i}.${rest}`;
  const set = (fn: (x: Locale, config: AgentConfig) => void) =>
    store.edit((x) => {
      const target = x.locales[i];
      if (target) fn(target, x);
    });
  return (
    <div class="card">
      <div class="row">
        <strong>{l.language || "New language"}</strong>
        {props.isDefault && <span class="badge ok">default</span>}
        <span class="spacer" />
        {props.onRemove && (
          <button type="button" class="link danger" onClick={props.onRemove}>
            Remove
          </button>
        )}
      </div>
      <div class="grid">
        <Field label="Language" error={err(k("language"))}>
          <input
            value={l.language}
            onInput={(e) =>
              set((x, config) => {
                if (config.defaultLanguage === x.language) config.defaultLanguage = e.currentTarget.value;
                x.language = e.currentTarget.value;
              })
            }
          />
        </Field>
        <Field label="Text to speech" error={err(k("tts.model")) ?? err(k("tts.provider"))}>
          <ModelSelect
            store={store}
            kind="tts"
            value={l.tts}
            language={l.language}
            onPick={(m) =>
              set((x) => {
                const voice = defaultVoice(m);
                if (voice && m.provider !== x.tts.provider) x.tts.voice = voice;
                x.tts.provider = m.provider;
                x.tts.model = m.model;
              })
            }
          />
        </Field>
        <Field label="Voice" error={err(k("tts.voice"))}>
          <input value={l.tts.voice} placeholder="voice id of the TTS provider" onInput={(e) => set((x) => void (x.tts.voice = e.currentTarget.value))} />
        </Field>
        <Field label={`Speed (${l.speed}×)`} error={err(k("speed"))}>
          <input type="range" min={0.5} max={2} step={0.05} value={l.speed} onInput={(e) => set((x) => void (x.speed = e.currentTarget.valueAsNumber))} />
        </Field>
        <Field label="Background sound" error={err(k("background.sound"))}>
          <select value={l.background.sound} onChange={(e) => set((x) => void (x.background.sound = BackgroundSound.parse(e.currentTarget.value)))}>
            {BackgroundSound.options.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </Field>
        <Field label={`Background volume (${Math.round(l.background.volume * 100)}%)`} error={err(k("background.volume"))}>
          <input type="range" min={0} max={1} step={0.05} value={l.background.volume} disabled={l.background.sound === "none"} onInput={(e) => set((x) => void (x.background.volume = e.currentTarget.valueAsNumber))} />
        </Field>
      </div>
      <Field label="First message" error={err(k("firstMessage"))} hint="Said when the call starts; empty: the caller speaks first.">
        <PromptInput
          value={l.firstMessage}
          variables={props.variables}
          rows={2}
          onValue={(v) => set((x) => void (x.firstMessage = v))}
          onDeclare={(name) => store.edit((x) => void (x.variables.properties[name] = { type: "string" }))}
        />
      </Field>
    </div>
  );
}

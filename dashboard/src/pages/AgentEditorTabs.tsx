// The agent editor's General tab (name, prompt with {{variable}} checks and completion,
// temperature, token limit) and the inputs other tabs share (PromptInput, ModelSelect); Languages
// is in AgentEditorLanguages.tsx, Models and Variables in AgentEditorModels.tsx. Each edits the
// store's draft; errors come from the store's `fields`.
import { useLayoutEffect, useRef, useState } from "preact/hooks";
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

/**
 * A select of the enabled catalog models of a kind; the current choice stays listed even when the
 * catalog lacks it. `note` adds to each option (whether its provider is usable here); `field` is
 * the config path a pre-flight problem focuses.
 */
export function ModelSelect(props: { store: AgentEditorStore; kind: ModelKind; value: { provider: string; model: string }; onPick: (m: CatalogModel) => void; language?: string; note?: (m: CatalogModel) => string; field?: string }) {
  const all = (props.store.catalog.value ?? []).filter((m) => m.kind === props.kind);
  const fits = (m: CatalogModel) => !props.language || m.languages.length === 0 || m.languages.some((l) => l.toLowerCase() === props.language?.toLowerCase() || props.language?.toLowerCase().startsWith(`${l.toLowerCase()}-`));
  const current = modelValue(props.value);
  const known = all.some((m) => modelValue(m) === current);
  return (
    <select
      value={current}
      data-field={props.field}
      onChange={(e) => {
        const picked = all.find((m) => modelValue(m) === e.currentTarget.value);
        if (picked) props.onPick(picked);
      }}
    >
      {!known && <option value={current}>{`${props.value.provider} / ${props.value.model} (not in the catalog)`}</option>}
      {all.map((m) => (
        <option key={m.id} value={modelValue(m)}>
          {m.displayName} ({m.provider}){fits(m) ? "" : " — not for this language"}
          {props.note?.(m) ?? ""}
        </option>
      ))}
    </select>
  );
}

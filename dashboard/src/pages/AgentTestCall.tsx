// The editor's "Talk to agent" panel: a test call on the saved DRAFT (never the published version)
// through the real website widget in preview mode, embedded in the page, with a field per declared
// variable and the language to start in. The widget asks the panel to dispatch (POST
// /v1/agents/{id}/test-sessions); the panel follows the session's live events itself, as a member,
// and shows its own timeline (AgentTestTimeline.tsx) whatever the widget's transcript setting.
import { useSignal } from "@preact/signals";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import type { VariableSpec } from "../../../packages/contracts/src/variables.ts";
import { errorMessage } from "../api/client.ts";
import type { AgentEditorStore } from "../stores/agent-editor.ts";
import { useStores } from "../stores/index.ts";
import { languageLabel } from "../stores/language-label.ts";
import { permissionsFor } from "../stores/permissions.ts";
import {
  enumOptions,
  inCall,
  initialVariableInputs,
  loaderUrl,
  readWidgetState,
  typedVariables,
  widgetTag,
  type VariableInput,
  type VariableInputs,
  type WidgetState,
} from "../stores/test-call.ts";
import { createTestSessionStore, isUnderWay, previewWidgetConfig, variablesRefusal, type Dispatched, type PreviewConfig } from "../stores/test-session.ts";
import { TestTimeline } from "./AgentTestTimeline.tsx";

/** What the widget's preview mode asks of the host (ConfigureOptions.preview in widget/src/shared/types.ts). */
interface PreviewOptions {
  config: PreviewConfig;
  dispatch(req: { variables: Record<string, unknown>; language?: string | undefined }): Promise<Dispatched>;
}

/** What `configure()` accepts, on the element once the loader upgraded it. */
interface WidgetElement extends HTMLElement {
  configure(options: { variables?: Record<string, unknown>; language?: string; preview?: PreviewOptions }): void;
}
const isWidget = (el: HTMLElement): el is WidgetElement => typeof (el as Partial<WidgetElement>).configure === "function";

let loader: Promise<void> | null = null;

/** Adds the loader's <script> to the document once; resolves when the element is defined. */
function loadWidget(src: string): Promise<void> {
  if (customElements.get(widgetTag)) return Promise.resolve();
  loader ??= new Promise<void>((resolve, reject) => {
    const script = document.createElement("script");
    script.src = src;
    script.async = true;
    script.dataset["speaknodeLoader"] = "";
    script.onerror = () => {
      // Forget the failure, so opening the panel again retries.
      script.remove();
      loader = null;
      reject(new Error(`could not load ${src}`));
    };
    document.head.append(script);
    customElements.whenDefined(widgetTag).then(() => resolve(), reject);
  });
  return loader;
}

type Props = { store: AgentEditorStore; spaceId: string; onClose: () => void };

export function TestCallPanel({ store, spaceId, onClose }: Props) {
  const { spaces } = useStores();
  const agent = store.agent.value;
  if (!agent) return null;
  const canTest = permissionsFor(spaces.role.value).editAgents;
  const saving = store.busy.value === "saving";

  return (
    <section class="card test-call" aria-label="Test call" data-test-call="" data-draft-version={agent.version}>
      <div class="row">
        <strong>Talk to agent</strong>
        <span class="muted">Tests the saved draft; nothing is published.</span>
        <span class="spacer" />
        <button type="button" class="link" onClick={onClose}>
          Close
        </button>
      </div>
      {store.dirty.value && (
        <div class="row test-call-unsaved" data-test-call-notice="unsaved">
          <p class="warn-text">Save to test your changes. Until then a test call uses the last saved draft.</p>
          <button type="button" onClick={() => void store.save()} disabled={!canTest || saving}>
            {saving ? "Saving…" : "Save"}
          </button>
        </div>
      )}
      {canTest ? <CallForm key={agent.id} agent={agent} spaceId={spaceId} /> : <p class="muted">Only members of this space can test its agents.</p>}
    </section>
  );
}

type SavedAgent = NonNullable<AgentEditorStore["agent"]["value"]>;

function CallForm({ agent, spaceId }: { agent: SavedAgent; spaceId: string }) {
  const { api, agents, config, sessions } = useStores();
  const test = useMemo(() => createTestSessionStore({ api }), [agent.id]);
  useEffect(() => () => test.stop(), [test]);
  useEffect(() => {
    for (const a of agents.agents.value) test.rememberName(a.id, a.name);
    test.rememberName(agent.id, agent.name);
  }, [test, agent.name, agents.agents.value]);

  const schema = agent.variables;
  // Only what was typed: a variable declared by a later save starts from its default.
  const inputs = useSignal<VariableInputs>({});
  const current = { ...initialVariableInputs(schema), ...inputs.value };
  const typed = typedVariables(schema, current);
  const languages = agent.locales.map((l) => l.language);
  const chosen = useSignal(agent.defaultLanguage);
  const language = languages.includes(chosen.value) ? chosen.value : agent.defaultLanguage;
  const preview = useMemo(() => previewWidgetConfig(agent), [agent]);

  // The widget calls dispatch when Start is pressed: it reads the form as it is then.
  const latest = useRef({ typed, language, languages });
  latest.current = { typed, language, languages };
  const dispatch = useMemo<PreviewOptions["dispatch"]>(
    () => async (req) => {
      const now = latest.current;
      const refusal = variablesRefusal(now.typed.errors);
      if (refusal) throw test.refuse(refusal);
      const lang = req.language && now.languages.includes(req.language) ? req.language : now.language;
      const session = await test.dispatch(agent.id, { variables: now.typed.values, language: lang });
      // The session page, opened from the link, goes live with the same URL.
      sessions.detail.rememberEventsUrl(session.sessionId, session.eventsUrl);
      return session;
    },
    [test],
  );

  const resets = useSignal(0);
  const widget = useSignal<WidgetState | null>(null);
  const loadError = useSignal<string | null>(null);
  const host = useRef<HTMLDivElement>(null);
  const [element, setElement] = useState<WidgetElement | null>(null);

  useEffect(() => {
    const box = host.current;
    if (!box) return;
    const el = document.createElement(widgetTag);
    // Preview: no public config is fetched; the launcher waits for configure({ preview }).
    el.setAttribute("preview", "");
    el.setAttribute("agent-id", agent.id);
    if (config.apiBase) el.setAttribute("api-base", config.apiBase);
    const onState = (e: Event) => {
      const state = e instanceof CustomEvent ? readWidgetState(e.detail) : null;
      if (state) widget.value = state;
    };
    el.addEventListener("speaknode-state", onState);
    box.append(el);
    let live = true;
    loadError.value = null;
    loadWidget(loaderUrl(config.apiBase)).then(
      () => live && isWidget(el) && setElement(el),
      (e: unknown) => (loadError.value = errorMessage(e)),
    );
    return () => {
      live = false;
      el.removeEventListener("speaknode-state", onState);
      // Leaving the page hangs up (the element's disconnectedCallback).
      el.remove();
      setElement(null);
      widget.value = null;
    };
  }, [resets.value]);

  // The draft's config only changes on save; variables and language as they are typed.
  useEffect(() => {
    element?.configure({ preview: { config: preview, dispatch } });
  }, [element, preview, dispatch]);
  const valuesKey = JSON.stringify(typed.values);
  useEffect(() => {
    element?.configure({ variables: typed.values, language });
  }, [element, valuesKey, language]);

  const setInput = (name: string, next: Partial<VariableInput>) => {
    const was = current[name] ?? { text: "", isNull: false };
    inputs.value = { ...inputs.value, [name]: { ...was, ...next } };
  };
  const names = Object.keys(schema.properties);
  const state = widget.value;
  const calling = inCall(state?.state ?? null) || isUnderWay(test.state.value.phase);

  return (
    <div class="test-call-body">
      <div class="stack">
        <label>
          Language
          <select aria-label="Language" value={language} onChange={(e) => (chosen.value = e.currentTarget.value)}>
            {agent.locales.map((l) => (
              <option key={l.language} value={l.language}>
                {languageLabel(l.language)}
                {l.language === agent.defaultLanguage ? ", default" : ""}
              </option>
            ))}
          </select>
        </label>
        {names.length === 0 ? (
          <p class="muted">The draft declares no variables.</p>
        ) : (
          names.map((name) => {
            const spec = schema.properties[name];
            return spec ? <VariableField key={name} name={name} spec={spec} required={schema.required.includes(name)} input={current[name]} error={typed.errors[name]} onInput={(next) => setInput(name, next)} /> : null;
          })
        )}
        <button type="button" class="link" onClick={() => (inputs.value = {})}>
          Reset to the defaults
        </button>
        <TestTimeline test={test} spaceId={spaceId} />
      </div>
      <div class="stack">
        {Object.keys(typed.errors).length > 0 && <p class="warn-text">Fix the variables to start a test call.</p>}
        {loadError.value && <p class="error">The widget did not load: {loadError.value}</p>}
        <div class="widget-host" ref={host} data-widget-state={state?.state ?? ""} data-widget-error={state?.error ?? ""} />
        <p class="muted">
          {state ? `Widget: ${state.state}` : "Loading the widget…"}
          {state?.message ? ` — ${state.message}` : ""}
        </p>
        <button type="button" class="link" onClick={() => resets.value++} disabled={calling}>
          Reset the widget
        </button>
      </div>
    </div>
  );
}

/** One variable's input (also used by the Phone tab's "Call me"). */
export function VariableField(props: { name: string; spec: VariableSpec; required: boolean; input: VariableInput | undefined; error: string | undefined; onInput: (next: Partial<VariableInput>) => void }) {
  const { name, spec, input } = props;
  const text = input?.text ?? "";
  const isNull = input?.isNull === true;
  const options = enumOptions(spec);
  const set = (value: string) => props.onInput({ text: value });
  const control = options ? (
    <select aria-label={name} value={text} disabled={isNull} onChange={(e) => set(e.currentTarget.value)}>
      <option value="">{spec.default === undefined ? "not set" : "the default"}</option>
      {options.map((o) => (
        <option key={String(o)} value={String(o)}>
          {String(o)}
        </option>
      ))}
    </select>
  ) : spec.type === "boolean" ? (
    <select aria-label={name} value={text} disabled={isNull} onChange={(e) => set(e.currentTarget.value)}>
      <option value="">{spec.default === undefined ? "not set" : "the default"}</option>
      <option value="true">true</option>
      <option value="false">false</option>
    </select>
  ) : spec.type === "string" ? (
    <input aria-label={name} value={text} disabled={isNull} onInput={(e) => set(e.currentTarget.value)} />
  ) : (
    <input aria-label={name} type="number" step={spec.type === "integer" ? 1 : "any"} value={text} disabled={isNull} onInput={(e) => set(e.currentTarget.value)} />
  );
  return (
    <div class={`field${props.error ? " invalid" : ""}`} data-variable={name}>
      <span>
        <code>{name}</code> <small class="muted">{options ? "enum" : spec.type}{props.required ? ", required" : ""}</small>
      </span>
      <div class="row">
        {control}
        {spec.nullable && (
          <label class="check">
            <input type="checkbox" aria-label={`${name} is null`} checked={isNull} onChange={(e) => props.onInput({ isNull: e.currentTarget.checked })} />
            null
          </label>
        )}
      </div>
      {spec.description && !props.error && <small class="muted">{spec.description}</small>}
      {props.error && <span class="error">{props.error}</span>}
    </div>
  );
}

// The editor's "Talk to agent" panel: a test call through the real website widget, embedded in the
// page, with a field per declared variable and the language to start in. The widget serves the
// published configuration, so the variables and languages offered are the published version's.
import { useSignal } from "@preact/signals";
import { useEffect, useRef, useState } from "preact/hooks";
import type { VariableSpec } from "../../../packages/contracts/src/variables.ts";
import { errorMessage } from "../api/client.ts";
import { sessionPath } from "../router.ts";
import { configOf, type AgentEditorStore, type VersionDetail } from "../stores/agent-editor.ts";
import { useStores } from "../stores/index.ts";
import {
  enumOptions,
  inCall,
  initialVariableInputs,
  issueTestToken,
  loaderUrl,
  readWidgetState,
  savedDiffers,
  testCallNotice,
  typedVariables,
  widgetTag,
  type VariableInput,
  type VariableInputs,
  type WidgetState,
} from "../stores/test-call.ts";

/** What `configure()` accepts (widget/src/shared/types.ts), on the element once the loader upgraded it. */
interface WidgetElement extends HTMLElement {
  configure(options: { variables?: Record<string, unknown>; language?: string }): void;
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

type Props = { store: AgentEditorStore; spaceId: string; onPublishTab: () => void; onClose: () => void };

export function TestCallPanel({ store, spaceId, onPublishTab, onClose }: Props) {
  const agent = store.agent.value;
  const version = agent?.published ? agent.publishedVersion : null;
  const published = useSignal<VersionDetail | null>(null);
  const error = useSignal<string | null>(null);
  useEffect(() => {
    published.value = null;
    error.value = null;
    if (version !== null) store.loadVersion(version).then((v) => (published.value = v), (e: unknown) => (error.value = errorMessage(e)));
  }, [version]);
  if (!agent) return null;
  const snapshot = published.value?.version === version ? published.value : null;
  const notice = testCallNotice(agent, store.dirty.value, savedDiffers(configOf(agent), snapshot?.snapshot.agent ?? null));

  return (
    <section class="card test-call" aria-label="Test call" data-test-call="" data-published-version={version ?? ""}>
      <div class="row">
        <strong>Talk to agent</strong>
        <span class="spacer" />
        <button type="button" class="link" onClick={onClose}>
          Close
        </button>
      </div>
      {notice.kind === "unpublished" ? (
        <div class="row" data-test-call-notice="unpublished">
          <p class="warn-text">This agent is not published yet. Test calls use the published version, like the widget on a website: publish it first.</p>
          <button type="button" onClick={onPublishTab}>
            Go to the Publish tab
          </button>
        </div>
      ) : (
        <>
          <p class={notice.differs ? "warn-text" : "muted"} data-test-call-notice={notice.differs ?? "current"}>
            {notice.differs === "unsaved"
              ? `This test call uses published v${notice.version}, not your unsaved changes.`
              : notice.differs === "draft"
                ? `This test call uses published v${notice.version}: the saved draft differs from it. Publish to test the draft.`
                : `This test call uses published v${notice.version}.`}
          </p>
          {error.value && <p class="error">{error.value}</p>}
          {snapshot ? <CallForm key={snapshot.version} store={store} spaceId={spaceId} version={snapshot} /> : !error.value && <p class="muted">Loading published v{notice.version}…</p>}
        </>
      )}
    </section>
  );
}

function CallForm({ store, spaceId, version }: { store: AgentEditorStore; spaceId: string; version: VersionDetail }) {
  const { api, config, sessions } = useStores();
  const published = version.snapshot.agent;
  const schema = published.variables;
  const inputs = useSignal<VariableInputs>(initialVariableInputs(schema));
  const language = useSignal(published.defaultLanguage);
  // undefined: being issued; null: refused (the agent's allowed origins then apply).
  const token = useSignal<string | null | undefined>(undefined);
  const resets = useSignal(0);
  const widget = useSignal<WidgetState | null>(null);
  const sessionId = useSignal<string | null>(null);
  const loadError = useSignal<string | null>(null);
  const host = useRef<HTMLDivElement>(null);
  const [element, setElement] = useState<WidgetElement | null>(null);

  const typed = typedVariables(schema, inputs.value);
  const valid = Object.keys(typed.errors).length === 0;
  const mount = token.value !== undefined && (valid || inCall(widget.value?.state ?? null));

  useEffect(() => {
    token.value = undefined;
    issueTestToken(api, store.agentId).then(
      (t) => (token.value = t),
      () => (token.value = null),
    );
  }, [resets.value]);

  useEffect(() => {
    const box = host.current;
    if (!mount || !box) return;
    const el = document.createElement(widgetTag);
    el.setAttribute("agent-id", store.agentId);
    if (token.value) el.setAttribute("agent-token", token.value);
    if (config.apiBase) el.setAttribute("api-base", config.apiBase);
    // The launcher waits for configure(), so no call starts without the form's values.
    el.setAttribute("initialized", "");
    const onState = (e: Event) => {
      const state = e instanceof CustomEvent ? readWidgetState(e.detail) : null;
      if (!state) return;
      widget.value = state;
      if (state.sessionId) {
        sessionId.value = state.sessionId;
        if (state.eventsUrl) sessions.detail.rememberEventsUrl(state.sessionId, state.eventsUrl);
      }
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
  }, [mount, token.value]);

  const valuesKey = JSON.stringify(typed.values);
  useEffect(() => {
    element?.configure({ variables: typed.values, language: language.value });
  }, [element, valuesKey, language.value]);

  const setInput = (name: string, next: Partial<VariableInput>) => {
    const current = inputs.value[name] ?? { text: "", isNull: false };
    inputs.value = { ...inputs.value, [name]: { ...current, ...next } };
  };
  const names = Object.keys(schema.properties);
  const state = widget.value;

  return (
    <div class="test-call-body">
      <div class="stack">
        <label>
          Language
          <select aria-label="Language" value={language.value} onChange={(e) => (language.value = e.currentTarget.value)}>
            {published.locales.map((l) => (
              <option key={l.language} value={l.language}>
                {l.language}
                {l.language === published.defaultLanguage ? " (default)" : ""}
              </option>
            ))}
          </select>
        </label>
        {names.length === 0 ? (
          <p class="muted">This version declares no variables.</p>
        ) : (
          names.map((name) => {
            const spec = schema.properties[name];
            return spec ? <VariableField key={name} name={name} spec={spec} required={schema.required.includes(name)} input={inputs.value[name]} error={typed.errors[name]} onInput={(next) => setInput(name, next)} /> : null;
          })
        )}
        <button type="button" class="link" onClick={() => (inputs.value = initialVariableInputs(schema))}>
          Reset to the defaults
        </button>
      </div>
      <div class="stack">
        {token.value === null && <p class="muted">No test token could be issued: the agent's allowed origins apply to this page.</p>}
        {!mount && token.value !== undefined && <p class="warn-text">Fix the variables to start a test call.</p>}
        {loadError.value && <p class="error">The widget did not load: {loadError.value}</p>}
        <div class="widget-host" ref={host} data-widget-state={state?.state ?? ""} data-widget-error={state?.error ?? ""} />
        <p class="muted" role="status">
          {state ? `Widget: ${state.state}` : token.value === undefined ? "Preparing the widget…" : "Loading the widget…"}
          {state?.message ? ` — ${state.message}` : ""}
        </p>
        <div class="row">
          {sessionId.value && <a href={sessionPath(spaceId, sessionId.value)}>Open this session</a>}
          <button type="button" class="link" onClick={() => resets.value++} disabled={inCall(state?.state ?? null)}>
            Reset the widget
          </button>
        </div>
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

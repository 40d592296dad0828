// speaknode-widget-loader.js: the only script a host page includes. Defines <speacknode-agent>
// (the documented name) and <speaknode-agent> (an alias), fetches each agent's public config (or,
// with the `preview` attribute, waits for the host's `configure({ preview })`), shows the launcher in a Shadow DOM and, on the first
// click, imports the real widget (speaknode-widget.js) from the same place — fetched ahead when the
// page is idle, so the click does not wait for it. Plain DOM and tiny: it loads on every page view
// of the host site (budget: 2 KB gzipped).
import { mergeConfigure, mergeTheme, readElementOptions, themeCss } from "./shared/options.ts";
import type { ConfigureOptions, PublicWidgetConfig, WidgetErrorCode, WidgetInstance, WidgetModule, WidgetStateName } from "./shared/types.ts";

const tag = "speacknode-agent";
// currentScript is only set while a classic script runs, so it is read now; the search covers a
// loader that was loaded as a module.
const src =
  (document.currentScript as HTMLScriptElement | null)?.src || [...document.scripts].find((s) => s.src.includes("speaknode-widget-loader"))?.src || location.href;
const assetBase = new URL(".", src).href;
const configs = new Map<string, Promise<PublicWidgetConfig>>();
let widgetChunk: Promise<WidgetModule> | undefined;

/** One import of the widget for every element; a failed one is forgotten so a retry fetches again. */
function loadWidget(): Promise<WidgetModule> {
  return (widgetChunk ||= import(`${assetBase}speaknode-widget.js`));
}

const css =
  ":host{font:15px/1.4 system-ui,sans-serif}" +
  ".l{position:fixed;bottom:var(--sn-bottom,20px);right:20px;z-index:2147483000;border:0;border-radius:999px;padding:12px 20px;" +
  "background:var(--sn-primary);color:var(--sn-text);font:inherit;font-weight:600;cursor:pointer;box-shadow:0 4px 14px #0003}" +
  ".bottom-left{right:auto;left:20px}.inline{position:static}.l:disabled{opacity:.6;cursor:wait}" +
  ".l:focus-visible{outline:3px solid var(--sn-primary);outline-offset:3px}.e{background:#f1f3f5;color:#495057}";

function fetchConfig(apiBase: string, agentId: string): Promise<PublicWidgetConfig> {
  let config = configs.get(agentId);
  if (!config) {
    config = fetch(`${apiBase}/public/agents/${encodeURIComponent(agentId)}/widget`).then(
      (res) => (res.ok ? res.json() : Promise.reject<PublicWidgetConfig>(res.status === 404 || res.status === 400 ? "agent_unpublished" : "network_lost")),
      () => Promise.reject<PublicWidgetConfig>("network_lost"),
    );
    // A failure is not cached, so a retry asks again.
    config.catch(() => configs.delete(agentId));
    configs.set(agentId, config);
  }
  return config;
}

class SpeaknodeAgent extends HTMLElement {
  declare s: WidgetStateName;
  declare e: WidgetErrorCode | undefined;
  declare c: PublicWidgetConfig | undefined;
  declare o: ConfigureOptions;
  declare w: WidgetInstance | undefined;
  declare busy: boolean;

  constructor() {
    super();
    this.attachShadow({ mode: "open" });
    this.s = "loading";
    this.o = {};
  }

  get state(): WidgetStateName {
    return this.s;
  }

  connectedCallback(): void {
    if (!this.c && !this.busy) this.load();
  }

  disconnectedCallback(): void {
    this.w?.disconnected();
  }

  /** The host page's settings (variables, language, theme); enables an `initialized` element. */
  configure(options: ConfigureOptions): void {
    this.o = mergeConfigure(this.o, options);
    if (this.o.preview && this.hasAttribute("preview")) this.c = this.o.preview.config;
    if (this.w) this.w.configure(this.o);
    else if (this.c) this.launcher(this.c);
  }

  private apiBase(): string {
    return (this.getAttribute("api-base") || new URL(src).origin).replace(/\/$/, "");
  }

  private load(): void {
    const { agentId, preview } = readElementOptions((n) => this.getAttribute(n));
    // A preview's config comes with configure().
    if (preview) return this.report("unconfigured");
    this.busy = true;
    this.report("loading");
    if (!agentId) console.warn(`${tag}: the agent-id attribute is required`);
    (agentId ? fetchConfig(this.apiBase(), agentId) : Promise.reject<PublicWidgetConfig>("agent_unpublished")).then(
      (config) => {
        this.busy = false;
        this.c = config;
        this.launcher(config);
      },
      (code: WidgetErrorCode) => {
        this.busy = false;
        this.failed(code, code === "agent_unpublished" ? "This voice assistant is not available." : "Can't reach the voice assistant.", () => this.load());
      },
    );
  }

  private paint(text: string, cls: string, style: string, onClick: () => void): HTMLButtonElement {
    const root = this.shadowRoot as ShadowRoot;
    const button = document.createElement("button");
    const sheet = document.createElement("style");
    sheet.textContent = css + style;
    button.type = "button";
    button.part.add("launcher");
    button.className = cls;
    button.textContent = text;
    button.onclick = onClick;
    root.replaceChildren(sheet, button);
    return button;
  }

  private launcher(config: PublicWidgetConfig): void {
    const waiting = readElementOptions((n) => this.getAttribute(n)).externalConfig && !Object.keys(this.o).length;
    const theme = themeCss(mergeTheme(config.theme, this.o.theme));
    this.paint(config.launcherText, `l ${config.placement}`, theme, () => this.open(config)).disabled = waiting;
    this.report(waiting ? "unconfigured" : "idle");
    // A launcher is shown: fetch the widget while the page is idle (within 3 s on a busy one;
    // Safari has no requestIdleCallback, and setTimeout reads the options as a 0 delay).
    (self.requestIdleCallback || setTimeout)(loadWidget);
  }

  private failed(code: WidgetErrorCode, message: string, retry: () => void): void {
    this.paint(message, "l e", "", retry).title = "Try again";
    this.report("error", code, message);
  }

  private open(config: PublicWidgetConfig): void {
    let audioContext: AudioContext | null = null;
    // Created inside the click: a context made later, outside the gesture, may stay suspended.
    try {
      audioContext = new AudioContext();
    } catch {
      // No Web Audio: the widget tells the visitor (unsupported_browser).
    }
    this.report("connecting");
    // paint() put the launcher last.
    ((this.shadowRoot as ShadowRoot).lastChild as HTMLButtonElement).disabled = true;
    loadWidget().then(
      (widget: WidgetModule) => {
        this.w = widget.mount({
          element: this,
          root: this.shadowRoot as ShadowRoot,
          config,
          options: readElementOptions((n) => this.getAttribute(n)),
          configured: this.o,
          apiBase: this.apiBase(),
          assetBase,
          audioContext,
          report: (state, error, message, sessionId) => this.report(state, error, message, sessionId),
        });
      },
      () => {
        widgetChunk = undefined;
        void audioContext?.close();
        this.failed("network_lost", "Can't load the voice assistant.", () => this.launcher(config));
      },
    );
  }

  private report(state: WidgetStateName, error?: WidgetErrorCode, message?: string, sessionId?: string): void {
    if (state === this.s && error === this.e && state !== "error") return;
    this.s = state;
    this.e = error;
    this.dataset["state"] = state;
    if (error) this.dataset["error"] = error;
    else delete this.dataset["error"];
    this.dispatchEvent(new CustomEvent("speaknode-state", { detail: error ? { state, error, message, sessionId } : { state, sessionId }, bubbles: true, composed: true }));
  }
}

if (!customElements.get(tag)) customElements.define(tag, SpeaknodeAgent);
// One constructor cannot be defined under two names: the alias is a subclass.
if (!customElements.get("speaknode-agent")) customElements.define("speaknode-agent", class extends SpeaknodeAgent {});

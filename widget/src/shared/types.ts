// The contract between the loader (speaknode-widget-loader.js), the lazily loaded widget
// (speaknode-widget.js) and the host page: the observable state names, the error codes, what
// `configure()` accepts and what the loader hands the widget when the launcher is clicked.
import type { PublicWidgetConfig as PublicWidgetConfigSchema } from "@speaknode/contracts";
import type { z } from "zod";

/** GET /public/agents/{agentId}/widget (the contracts export only the schema). */
export type PublicWidgetConfig = z.infer<typeof PublicWidgetConfigSchema>;

/**
 * The element's `state` / `data-state`. `loading`: fetching the agent's public config;
 * `unconfigured`: waiting for the host's `configure()` (the `initialized` attribute); `idle`:
 * launcher ready; the rest follow one conversation.
 */
export type WidgetStateName = "loading" | "unconfigured" | "idle" | "connecting" | "listening" | "thinking" | "speaking" | "ended" | "error";

/** Why the element is in `error` (the `data-error` attribute and the event's `error`). */
export type WidgetErrorCode =
  | "agent_unpublished"
  | "rate_limited"
  | "token_expired"
  | "token_invalid"
  | "origin_forbidden"
  | "no_webrtc"
  | "mic_denied"
  | "mic_missing"
  | "unsupported_browser"
  | "network_lost"
  | "session_failed";

/** Detail of the `speaknode-state` event. */
export interface WidgetStateDetail {
  state: WidgetStateName;
  error?: WidgetErrorCode;
  /** A sentence for people, present with `error`. */
  message?: string;
  /** The call's session once it exists (e.g. to open it in the dashboard). */
  sessionId?: string;
}

export interface ThemeOverride {
  primaryColor?: string;
  textColor?: string;
  backgroundColor?: string;
}

/** How the widget reaches the agent's media: the voice runtime's socket, or a LiveKit room. */
export type MediaConnection = { driver: "local"; url: string; token: string; sampleRateHz: number } | { driver: "livekit"; url: string; token: string; room: string };

/** A started session, as POST /public/agents/{id}/sessions answers it (the fields the widget reads). */
export interface DispatchedSession {
  sessionId: string;
  language: string;
  media: MediaConnection;
  /** WebSocket of the session's live events. */
  eventsUrl: string;
}

/** What a preview's `dispatch` is asked for: the visitor's choices when they press Start. */
export interface PreviewDispatchRequest {
  /** The host's configured variables (a preview never reads the page's URL parameters). */
  variables: Record<string, unknown>;
  /** The language picked in the widget (one of `config.languages`). */
  language: string | undefined;
}

/**
 * Preview mode (the element has the `preview` attribute): the host builds the config and starts
 * sessions itself, e.g. the dashboard testing an agent's draft. A rejected `dispatch` shows as an
 * error; an Error with a string `widgetMessage` property shows that sentence.
 */
export interface WidgetPreview {
  config: PublicWidgetConfig;
  dispatch(request: PreviewDispatchRequest): Promise<DispatchedSession>;
}

/** What the host page may pass to `element.configure()`. */
export interface ConfigureOptions {
  /** Typed values of the agent's variables; they win over the page's URL parameters. */
  variables?: Record<string, unknown>;
  language?: string;
  /** Colours as #rrggbb; anything else is ignored with a console warning naming the field. */
  theme?: ThemeOverride;
  /** Only read by an element with the `preview` attribute. */
  preview?: WidgetPreview;
}

/** The element's attributes, read when the launcher is clicked. */
export interface ElementOptions {
  agentId: string;
  agentToken: string | null;
  language: string | null;
  /** The `initialized` attribute: wait for `configure()` before enabling the launcher. */
  externalConfig: boolean;
  /** The `preview` attribute: no public config; wait for `configure({ preview })`. */
  preview: boolean;
}

export type Theme = PublicWidgetConfig["theme"];

/** What the loader gives the widget's `mount()`. */
export interface WidgetHandoff {
  element: HTMLElement;
  root: ShadowRoot;
  config: PublicWidgetConfig;
  options: ElementOptions;
  /** Everything passed to `configure()` so far, merged. */
  configured: ConfigureOptions;
  /** Where the API lives (the loader script's origin, or the `api-base` attribute). */
  apiBase: string;
  /** Where the widget's files live (the loader script's directory). */
  assetBase: string;
  /** Created inside the launcher's click, so browsers let it play. */
  audioContext: AudioContext | null;
  report(state: WidgetStateName, error?: WidgetErrorCode, message?: string, sessionId?: string): void;
}

/** A mounted widget, as the element drives it. */
export interface WidgetInstance {
  /** The merged options after a later `configure()`. */
  configure(configured: ConfigureOptions): void;
  /** The element left the page: hang up. */
  disconnected(): void;
}

/** The module interface of speaknode-widget.js. */
export interface WidgetModule {
  mount(handoff: WidgetHandoff): WidgetInstance;
}

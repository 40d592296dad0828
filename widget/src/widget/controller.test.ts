import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { DispatchedSession, PreviewDispatchRequest, PublicWidgetConfig, WidgetHandoff, WidgetPreview } from "../shared/types.ts";
import { CallController, verdictWaitMs } from "./controller.ts";

// The controller in Node with the browser's edges faked: a microphone that opens, the live events
// socket, and a media connection that cannot start here (no RTCPeerConnection), which the
// controller treats like media that ended before the session's verdict.
class FakeSocket {
  static last: FakeSocket | null = null;
  readonly url: string;
  readyState = 1;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  constructor(url: string) {
    this.url = url;
    FakeSocket.last = this;
  }
  send(): void {}
  close(): void {
    this.readyState = 3;
  }
  receive(message: object): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
}
(FakeSocket as unknown as { OPEN: number }).OPEN = 1;

const config: PublicWidgetConfig = {
  agentId: "agt_0000000000000000000000",
  displayName: "Ava",
  languages: [
    { language: "en", default: true },
    { language: "de", default: false },
  ],
  placement: "inline",
  launcherText: "Talk",
  theme: { primaryColor: "#3b5bdb", textColor: "#ffffff", backgroundColor: "#ffffff" },
  showTranscript: true,
  acceptsVariables: [{ name: "customer_name", type: "string" }],
  version: 0,
};

const session: DispatchedSession = {
  sessionId: "ses_1",
  language: "de",
  media: { driver: "livekit", url: "wss://media.test", token: "t", room: "r" },
  eventsUrl: "wss://api.test/live/sessions/ses_1?token=x",
};

interface Report {
  state: string;
  error?: string | undefined;
  message?: string | undefined;
  sessionId?: string | undefined;
}

function controllerWith(preview: WidgetPreview | undefined, variables?: Record<string, unknown>): { controller: CallController; reports: Report[] } {
  const reports: Report[] = [];
  const handoff: WidgetHandoff = {
    element: {} as HTMLElement,
    root: {} as ShadowRoot,
    config: preview?.config ?? config,
    options: { agentId: "", agentToken: null, language: null, externalConfig: false, preview: true },
    configured: { ...(preview && { preview }), ...(variables && { variables }) },
    apiBase: "https://api.test",
    assetBase: "https://api.test/",
    audioContext: null,
    report: (state, error, message, sessionId) => reports.push({ state, error, message, sessionId }),
  };
  return { controller: new CallController(handoff), reports };
}

const settle = () => vi.advanceTimersByTimeAsync(0);

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.last = null;
  vi.stubGlobal("WebSocket", FakeSocket);
  vi.stubGlobal("addEventListener", () => {});
  vi.stubGlobal("removeEventListener", () => {});
  vi.stubGlobal("fetch", () => Promise.reject(new Error("a preview must not call the public API")));
  vi.stubGlobal("navigator", { languages: ["de-DE"], mediaDevices: { getUserMedia: async () => ({ getTracks: () => [], getAudioTracks: () => [] }) } });
});

afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe("a preview's conversations", () => {
  it("start through the host's dispatch with the configured variables and the picked language, never the public API", async () => {
    const dispatch = vi.fn(async (_request: PreviewDispatchRequest) => session);
    const { controller, reports } = controllerWith({ config: { ...config, displayName: "Draft Ava" }, dispatch }, { customer_name: "Ada" });
    expect(controller.config.value.displayName).toBe("Draft Ava");
    controller.setLanguage("de");
    controller.start();
    await settle();
    expect(dispatch).toHaveBeenCalledWith({ variables: { customer_name: "Ada" }, language: "de" });
    expect(FakeSocket.last?.url).toBe(session.eventsUrl);
    FakeSocket.last?.receive({ type: "agent.ready", seq: 2, at: "2026-01-01T00:00:00.000Z" });
    expect(reports.at(-1)).toMatchObject({ state: "listening", sessionId: "ses_1" });
  });

  it("show the host's widgetMessage when its dispatch is refused, and the usual sentence otherwise", async () => {
    const refusal = Object.assign(new Error("422"), { widgetMessage: "Add an OpenAI key to test this agent." });
    const { controller, reports } = controllerWith({ config, dispatch: () => Promise.reject(refusal) });
    controller.start();
    await settle();
    expect(reports.at(-1)).toEqual({ state: "error", error: "session_failed", message: "Add an OpenAI key to test this agent.", sessionId: undefined });

    const plain = controllerWith({ config, dispatch: () => Promise.reject(new Error("HTTP 500 at /v1/agents")) });
    plain.controller.start();
    await settle();
    expect(plain.reports.at(-1)).toMatchObject({ state: "error", error: "session_failed", message: "This agent cannot speak right now." });
  });

  it("take a config change from a later configure() for the next call", () => {
    const { controller } = controllerWith({ config, dispatch: async () => session });
    controller.configure({ preview: { config: { ...config, displayName: "Saved Ava", languages: [{ language: "fr", default: true }] }, dispatch: async () => session } });
    expect(controller.config.value.displayName).toBe("Saved Ava");
    expect(controller.language.value).toBe("fr");
  });

  it("open the panel for the language choice when the agent has several, and start at once when it has one", async () => {
    const several = controllerWith({ config, dispatch: async () => session });
    several.controller.launch();
    expect(several.controller.open.value).toBe(true);
    expect(several.controller.call.value.phase).toBe("idle");
    expect(several.reports).toEqual([{ state: "idle", error: undefined, message: undefined, sessionId: undefined }]);
    expect(several.controller.language.value).toBe("de");

    const one = controllerWith({ config: { ...config, languages: [{ language: "en", default: true }] }, dispatch: async () => session });
    one.controller.launch();
    expect(one.controller.call.value.phase).toBe("connecting");
  });
});

describe("the end of a call", () => {
  it("is a failure with the visitor's sentence when session.failed follows the media's end, never 'Conversation ended'", async () => {
    const { controller, reports } = controllerWith({ config, dispatch: async () => session });
    controller.start();
    await settle();
    // The media could not start (no WebRTC here): the controller waits for the session's verdict.
    expect(controller.call.value.phase).toBe("connecting");
    await vi.advanceTimersByTimeAsync(verdictWaitMs / 2);
    FakeSocket.last?.receive({ type: "session.failed", reason: "tts error: provider_unavailable", seq: 3, at: "2026-01-01T00:00:00.000Z" });
    expect(reports.at(-1)).toEqual({ state: "error", error: "session_failed", message: "This agent cannot speak right now.", sessionId: "ses_1" });
    expect(reports.map((r) => r.state)).not.toContain("ended");
    await vi.advanceTimersByTimeAsync(verdictWaitMs);
    expect(reports.at(-1)?.error).toBe("session_failed");
  });

  it("takes the media's outcome, not a lost network, when the events close without a verdict after the media ended", async () => {
    const { controller, reports } = controllerWith({ config, dispatch: async () => session });
    controller.start();
    await settle();
    FakeSocket.last?.onclose?.();
    expect(reports.at(-1)).toMatchObject({ state: "error", error: "no_webrtc" });
  });

  it("falls back to the media's own outcome when no verdict comes in time", async () => {
    const { controller, reports } = controllerWith({ config, dispatch: async () => session });
    controller.start();
    await settle();
    await vi.advanceTimersByTimeAsync(verdictWaitMs);
    expect(reports.at(-1)).toMatchObject({ state: "error", error: "no_webrtc" });
  });
});

describe("the start of a call", () => {
  function microphoneAnswering(permission: "granted" | "prompt"): { answer: (allowed: boolean) => void } {
    let answer: (allowed: boolean) => void = () => {};
    const getUserMedia = () =>
      new Promise((resolve, reject) => {
        answer = (allowed) => (allowed ? resolve({ getTracks: () => [], getAudioTracks: () => [] }) : reject(Object.assign(new Error("denied"), { name: "NotAllowedError" })));
      });
    vi.stubGlobal("navigator", { languages: ["de-DE"], mediaDevices: { getUserMedia }, permissions: { query: async () => ({ state: permission }) } });
    return { answer: (allowed) => answer(allowed) };
  }

  it("dispatches the session while the microphone opens when the visitor already allowed it", async () => {
    const microphone = microphoneAnswering("granted");
    const dispatch = vi.fn(async () => session);
    const { controller } = controllerWith({ config, dispatch });
    controller.start();
    await settle();
    expect(dispatch).toHaveBeenCalledTimes(1);
    expect(FakeSocket.last).toBeNull();
    microphone.answer(true);
    await settle();
    expect(FakeSocket.last?.url).toBe(session.eventsUrl);
  });

  it("waits for the visitor's answer to the microphone prompt before dispatching, and a refusal starts no session", async () => {
    const allowed = microphoneAnswering("prompt");
    const dispatch = vi.fn(async () => session);
    const { controller } = controllerWith({ config, dispatch });
    controller.start();
    await settle();
    expect(dispatch).not.toHaveBeenCalled();
    allowed.answer(true);
    await settle();
    expect(dispatch).toHaveBeenCalledTimes(1);

    const refused = microphoneAnswering("prompt");
    const refusedDispatch = vi.fn(async () => session);
    const second = controllerWith({ config, dispatch: refusedDispatch });
    second.controller.start();
    await settle();
    refused.answer(false);
    await settle();
    expect(refusedDispatch).not.toHaveBeenCalled();
    expect(second.reports.at(-1)).toMatchObject({ state: "error", error: "mic_denied" });
  });
});

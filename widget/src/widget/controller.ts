// One element's conversations: opens the microphone, dispatches the session (through the public
// API, or a preview host's `dispatch`), connects the live events and the media transport, and
// feeds everything into the state machine. The UI reads the signals; the element's
// state/data-state/event follow through `handoff.report`.
import { signal, type Signal } from "@preact/signals";
import { mergeTheme } from "../shared/options.ts";
import type { ConfigureOptions, DispatchedSession, PublicWidgetConfig, Theme, WidgetHandoff } from "../shared/types.ts";
import { dispatchPreview, dispatchSession } from "./dispatch.ts";
import { asFailure, WidgetFailure } from "./failure.ts";
import { pickLanguage } from "./language.ts";
import { connectLiveEvents, type Interpreted, type LiveEvents } from "./live-events.ts";
import { connectLiveKitMedia } from "./media/livekit.ts";
import { connectLocal, preloadLocalAudio } from "./media/local.ts";
import type { MediaTransport, TransportEvents } from "./media/transport.ts";
import { microphoneGranted, openMicrophone, stopMicrophone } from "./microphone.ts";
import { callErrorMessage, canStart, initialState, isLive, reduce, stateName, type CallEvent, type CallState } from "./state.ts";
import { applyTranscript, type TranscriptLine } from "./transcript.ts";
import { sessionVariables, variablesFromQuery } from "./variables.ts";

const visitorKey = "speaknode.visitorId";
/**
 * How long the end of the media waits for the session's own verdict. A runtime that fails closes
 * the media like any hang-up, and session.failed may come a moment later on the other socket:
 * without the wait a failure would read "Conversation ended."
 */
export const verdictWaitMs = 3000;

/** A stable anonymous id per browser, so an agent's sessions can be grouped by visitor. */
function visitorId(): string | undefined {
  try {
    let id = localStorage.getItem(visitorKey);
    if (!id) {
      id = crypto.randomUUID();
      localStorage.setItem(visitorKey, id);
    }
    return id;
  } catch {
    // Storage blocked (privacy settings, sandboxed iframe) or no randomUUID (insecure context).
    return undefined;
  }
}

export class CallController {
  readonly call = signal<CallState>(initialState);
  readonly transcript = signal<TranscriptLine[]>([]);
  readonly muted = signal(false);
  readonly open = signal(false);
  readonly language = signal<string | undefined>(undefined);
  readonly theme = signal<Theme>({ primaryColor: "", textColor: "", backgroundColor: "" });
  /** The public config, or a preview host's latest one. */
  readonly config: Signal<PublicWidgetConfig>;

  private readonly handoff: WidgetHandoff;
  private configured: ConfigureOptions;
  private attempt = 0;
  private context: AudioContext | null;
  private stream: MediaStream | null = null;
  private transport: MediaTransport | null = null;
  private live: LiveEvents | null = null;
  /** The current call's session, told to the page with each state once known. */
  private sessionId: string | undefined;
  /** Set while the media has ended and the session's verdict is awaited (see verdictWaitMs). */
  private verdictTimer: ReturnType<typeof setTimeout> | undefined;
  /** What the media said, applied when the wait is over. */
  private mediaOutcome: CallEvent | undefined;
  private readonly onOffline = (): void => this.send({ type: "failed", error: { code: "network_lost" } });
  /** Where LiveKit puts the agent's <audio> elements. */
  audioHost: HTMLElement | null = null;

  constructor(handoff: WidgetHandoff) {
    this.handoff = handoff;
    this.configured = handoff.configured;
    this.config = signal(handoff.config);
    this.context = handoff.audioContext;
    this.applyConfigured();
  }

  configure(configured: ConfigureOptions): void {
    this.configured = configured;
    this.applyConfigured();
  }

  private applyConfigured(): void {
    const { options } = this.handoff;
    if (options.preview && this.configured.preview) this.config.value = this.configured.preview.config;
    const config = this.config.value;
    this.theme.value = mergeTheme(config.theme, this.configured.theme);
    // The language of a live call cannot change; the next one uses the new choice.
    if (!isLive(this.call.value)) this.language.value = pickLanguage(config.languages, [this.configured.language, options.language], navigator.languages ?? []);
  }

  setLanguage(language: string): void {
    if (!isLive(this.call.value)) this.language.value = language;
  }

  private send(event: CallEvent): void {
    const before = this.call.value;
    const next = reduce(before, event);
    if (next === before) return;
    this.call.value = next;
    if (!isLive(next)) this.release();
    const error = next.phase === "error" ? next.error : undefined;
    this.handoff.report(stateName(next), error?.code, error ? callErrorMessage(error) : undefined, this.sessionId);
  }

  /**
   * The media said the call is over (or broke): the session's live events decide whether it
   * ended or failed, if they say so within verdictWaitMs; otherwise the media's word stands.
   */
  private mediaOver(event: CallEvent): void {
    if (!this.live) return this.send(event);
    if (this.mediaOutcome) return;
    this.mediaOutcome = event;
    this.verdictTimer = setTimeout(() => this.send(event), verdictWaitMs);
  }

  private apply(result: Interpreted): void {
    if (result.transcript.length > 0) this.transcript.value = applyTranscript(this.transcript.value, result.transcript);
    for (const event of result.calls) this.send(event);
  }

  /**
   * The launcher was clicked: an agent with several languages first shows the panel with the
   * language to pick and Start; otherwise the conversation starts at once.
   */
  launch(): void {
    if (this.config.value.languages.length < 2) return this.start();
    this.open.value = true;
    // The loader said `connecting` on the click; nothing is, yet.
    this.handoff.report(stateName(this.call.value));
  }

  /** Opens the panel and starts a conversation (call it from a click: it resumes audio). */
  start(): void {
    if (!canStart(this.call.value)) return;
    this.open.value = true;
    const attempt = ++this.attempt;
    this.transcript.value = [];
    this.sessionId = undefined;
    this.muted.value = false;
    // Inside the click handler, before any await: browsers let a context resume only here.
    if (this.context?.state === "closed") this.context = null;
    try {
      this.context ??= new AudioContext();
      void this.context.resume();
    } catch {
      this.context = null;
    }
    this.send({ type: "start" });
    // Sockets can take a long time to notice a dead network; the browser knows at once.
    addEventListener("offline", this.onOffline);
    void this.connect(attempt);
  }

  private async connect(attempt: number): Promise<void> {
    const current = (): boolean => attempt === this.attempt && isLive(this.call.value);
    const { assetBase } = this.handoff;
    // The local driver's audio worklets load while the session is dispatched (LiveKit's driver
    // does not use them; loading them costs a few milliseconds).
    if (this.context) preloadLocalAudio(this.context);
    const microphone = openMicrophone().then((stream) => {
      if (current()) this.stream = stream;
      else stopMicrophone(stream);
      return stream;
    });
    // Rejections are awaited below; this only keeps one that happens first from being "unhandled".
    microphone.catch(() => {});
    try {
      // A visitor who already allowed the microphone sees no prompt: the session is dispatched
      // while it opens. Otherwise the dispatch waits for the answer, so a refusal starts no
      // session and a slow answer does not run into the session's dispatch timeout.
      if (!(await microphoneGranted())) await microphone;
      if (!current()) return;
      const [stream, session] = await Promise.all([microphone, this.dispatch()]);
      if (!current()) return;
      this.sessionId = session.sessionId;
      this.live = connectLiveEvents(
        session.eventsUrl,
        (result) => current() && this.apply(result),
        // Closed without a verdict: after the media's own end that is the media's word, else the network.
        () => current() && this.send(this.mediaOutcome ?? { type: "failed", error: { code: "network_lost" } }),
      );
      const events: TransportEvents = {
        agentAudible: (audible) => current() && this.send({ type: "agentAudible", audible }),
        interrupted: () => current() && this.send({ type: "interrupted" }),
        ended: () => current() && this.mediaOver({ type: "mediaEnded" }),
        failed: (code) => current() && this.mediaOver({ type: "failed", error: { code } }),
      };
      const { media } = session;
      let transport: MediaTransport;
      if (media.driver === "livekit") {
        transport = await connectLiveKitMedia(media, stream, assetBase, this.audioHost ?? this.handoff.element, events);
      } else {
        if (!this.context) throw new WidgetFailure("unsupported_browser", "no AudioContext");
        transport = await connectLocal(media, stream, this.context, events);
      }
      if (!current()) return transport.close();
      this.transport = transport;
      transport.setMuted(this.muted.value);
    } catch (err) {
      if (!current()) return;
      const failure = asFailure(err);
      // A media socket the runtime closed before `ready` may be a session that failed to start.
      this.mediaOver({ type: "failed", error: { code: failure.code, retryAfterS: failure.retryAfterS, message: failure.shownMessage } });
    }
  }

  private dispatch(): Promise<DispatchedSession> {
    const { options, apiBase } = this.handoff;
    const { preview } = this.configured;
    if (options.preview) {
      if (!preview) return Promise.reject(new WidgetFailure("session_failed", "preview: no configure({ preview })"));
      // A preview's page is the host's own (the dashboard): its URL parameters are not the visitor's.
      return dispatchPreview(preview, { variables: { ...this.configured.variables }, language: this.language.value });
    }
    return dispatchSession(apiBase, options.agentId, {
      variables: sessionVariables(variablesFromQuery(location.search, this.config.value.acceptsVariables), this.configured.variables),
      language: this.language.value,
      visitorId: visitorId(),
      agentToken: options.agentToken ?? undefined,
    });
  }

  hangUp(): void {
    this.send({ type: "ended" });
  }

  /** Closes the panel (hanging up first) and goes back to the launcher. */
  close(): void {
    this.hangUp();
    this.open.value = false;
    this.send({ type: "reset" });
  }

  toggleMute(): void {
    const muted = !this.muted.value;
    this.muted.value = muted;
    this.transport?.setMuted(muted);
    // Also silence the track itself, so nothing leaves the page even before the transport exists.
    for (const track of this.stream?.getAudioTracks() ?? []) track.enabled = !muted;
  }

  /** Drops every resource of the current conversation. */
  private release(): void {
    removeEventListener("offline", this.onOffline);
    clearTimeout(this.verdictTimer);
    this.verdictTimer = undefined;
    this.mediaOutcome = undefined;
    this.transport?.close();
    this.transport = null;
    this.live?.close();
    this.live = null;
    stopMicrophone(this.stream);
    this.stream = null;
    this.muted.value = false;
    // Lets the output device sleep between calls; start() resumes it.
    if (this.context?.state === "running") void this.context.suspend();
  }
}

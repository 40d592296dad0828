// One simulated PSTN call leg as VoxImplant's cloud holds it: its state, the person on the line
// (a script, as in the Twilio simulator), the caller's audio sent to the WebSockets the scenario
// pointed it at (call.sendMediaTo), and the audio the scenario's WebSocket plays to the line
// (ws.sendMediaTo(call)), recorded for agent.wav. A 20 ms clock drives both directions while the
// call is connected, scheduled by the wall clock so it never drifts.
import { randomBytes } from "node:crypto";
import { dbfs, frameMs, frameSamples, mulawDecode } from "../../twilio/src/audio.ts";
import type { ScriptStep } from "../../twilio/src/model.ts";
import { CallerAudio, runScript, type ScriptLine } from "../../twilio/src/script.ts";
import { OutgoingStream, type Encoding } from "./media.ts";
import type { CallCounters, CallEventRecord, CallReport, CallStatus } from "./model.ts";

/** The sending side of a scenario WebSocket, as a call needs it. */
export interface MediaSink {
  readonly open: boolean;
  send(text: string): void;
}

export interface CallInit {
  sessionId: number;
  accountId: number;
  applicationId: number;
  direction: "inbound" | "outbound";
  from: string;
  to: string;
  script: ScriptStep[];
}

export interface CallDeps {
  speak(text: string): Int16Array;
  /** Raises a CallEvents.* event on the scenario's listeners of this call. */
  emit(call: VoxCall, event: string, fields: Record<string, unknown>): void;
  /** The session's events (HTTP requests…), merged into the report. */
  sessionEvents(): CallEventRecord[];
  sessionCreatedMs: number;
  onChange(): void;
}

const speechThresholdDbfs = -40;
const silentFrame = new Int16Array(frameSamples);

export class VoxCall {
  readonly id = randomBytes(12).toString("hex");
  readonly init: CallInit;
  readonly #deps: CallDeps;
  readonly createdMs = performance.now();
  readonly createdAt = new Date();
  status: CallStatus;
  handleTones = false;
  readonly statusHistory: { status: CallStatus; atMs: number }[] = [];
  readonly events: CallEventRecord[] = [];
  readonly counters: CallCounters = { mediaSent: 0, mediaReceived: 0, clears: 0, dtmfReceived: 0, dtmfSent: 0, invalidFrames: 0 };
  sipCode: number | null = null;
  endedBy: string | null = null;
  endedAt: Date | null = null;
  agentDtmf = "";
  readonly #targets: { sink: MediaSink; stream: OutgoingStream; started: boolean }[] = [];
  readonly #audio = new CallerAudio();
  #playback: Int16Array[] = [];
  #playbackOffset = 0;
  readonly #agentFrames: Int16Array[] = [];
  #firstAgentAudioMs: number | null = null;
  #agentActive: [number, number][] = [];
  readonly #callerSpeech: [number, number][] = [];
  #activeFrames = 0;
  #lastActiveMs: number | null = null;
  #connectedMs: number | null = null;
  #endedPerfMs: number | null = null;
  #timer: NodeJS.Timeout | null = null;
  #scriptStarted = false;
  readonly #abort = new AbortController();

  constructor(init: CallInit, deps: CallDeps) {
    this.init = init;
    this.#deps = deps;
    this.status = init.direction === "inbound" ? "alerting" : "progressing";
    this.#setStatus(this.status);
  }

  nowMs(): number {
    return Math.round(performance.now() - this.createdMs);
  }

  get live(): boolean {
    return this.status !== "disconnected" && this.status !== "failed";
  }

  record(kind: string, detail: Record<string, unknown> = {}): void {
    this.events.push({ atMs: this.nowMs(), kind, ...detail });
    this.#deps.onChange();
  }

  #setStatus(status: CallStatus): void {
    this.status = status;
    this.statusHistory.push({ status, atMs: this.nowMs() });
    this.#deps.onChange();
  }

  /** The call is answered (inbound: call.answer(); outbound: the callee picked up). */
  connect(): void {
    if (this.status !== "alerting" && this.status !== "progressing") return;
    this.#setStatus("connected");
    this.#connectedMs = performance.now();
    this.#deps.emit(this, "Call.Connected", {});
    this.#clock();
    this.#maybeStartScript();
  }

  /** The callee's phone rings (outbound): CallEvents.Ringing. */
  emitRinging(): void {
    if (this.status !== "progressing") return;
    this.record("call.ringing");
    this.#deps.emit(this, "Call.Ringing", {});
  }

  /** Ends a connected call (either side hung up, or the session ended). */
  disconnect(endedBy: string): void {
    if (!this.live) return;
    this.#finish("disconnected", endedBy, null);
    this.#deps.emit(this, "Call.Disconnected", { reason: endedBy, duration: this.durationS ?? 0 });
  }

  /** A call that never connected: busy, no answer, rejected, cancelled. */
  fail(code: number, reason: string, endedBy: string): void {
    if (!this.live) return;
    if (this.status === "connected") return this.disconnect(endedBy);
    this.#finish("failed", endedBy, code);
    this.#deps.emit(this, "Call.Failed", { code, reason });
  }

  /** Ends it without telling the scenario (the session is gone). */
  drop(endedBy: string): void {
    if (this.live) this.#finish(this.status === "connected" ? "disconnected" : "failed", endedBy, null);
  }

  #finish(status: CallStatus, endedBy: string, sipCode: number | null): void {
    this.endedBy = endedBy;
    this.sipCode = sipCode;
    this.endedAt = new Date();
    this.#endedPerfMs = performance.now();
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#abort.abort();
    this.#audio.flush();
    for (const t of this.#targets) if (t.started && t.sink.open) t.sink.send(t.stream.stop());
    this.#targets.length = 0;
    this.#playback = [];
    this.#setStatus(status);
    this.record("call.ended", { endedBy, ...(sipCode !== null ? { sipCode } : {}) });
  }

  get durationS(): number | null {
    if (this.#connectedMs === null) return null;
    const end = this.#endedPerfMs ?? performance.now();
    return Math.max(0, Math.round((end - this.#connectedMs) / 1000));
  }

  /** call.sendMediaTo(ws, {encoding, tag, customParameters}). */
  sendMediaTo(sink: MediaSink, encoding: Encoding, tag: string | undefined, customParameters: Record<string, string> | undefined): void {
    if (!this.live) return;
    const existing = this.#targets.findIndex((t) => t.sink === sink && t.stream.tag === tag);
    if (existing >= 0) this.#targets.splice(existing, 1);
    this.#targets.push({ sink, stream: new OutgoingStream(encoding, tag, customParameters), started: false });
    this.record("media.to_websocket", { encoding, tag: tag ?? null });
    this.#maybeStartScript();
  }

  stopMediaTo(sink: MediaSink): void {
    for (let i = this.#targets.length - 1; i >= 0; i--) {
      const t = this.#targets[i];
      if (t?.sink !== sink) continue;
      if (t.started && sink.open) sink.send(t.stream.stop());
      this.#targets.splice(i, 1);
    }
  }

  /** Agent audio from a WebSocket that sends media to this call, queued to play in real time. */
  enqueueAgentAudio(pcm: Int16Array): void {
    this.counters.mediaReceived++;
    if (this.live && pcm.length > 0) this.#playback.push(pcm);
  }

  /** ws.clearMediaBuffer(): drops what is queued and not yet played; returns the ms dropped. */
  clearAgentAudio(): number {
    const samples = this.#queuedSamples();
    this.#playback = [];
    this.#playbackOffset = 0;
    this.counters.clears++;
    const droppedMs = Math.round(samples / 8);
    this.record("media.clear", { droppedMs });
    return droppedMs;
  }

  #queuedSamples(): number {
    return this.#playback.reduce((n, p) => n + p.length, 0) - this.#playbackOffset;
  }

  /** call.sendDigits: the scenario pressed keys toward the person on the line. */
  sendDigits(digits: string): void {
    this.agentDtmf += digits;
    this.counters.dtmfSent += digits.length;
    this.record("agent.dtmf", { digits });
  }

  /** A key the person on the line pressed. */
  #callerTone(digit: string): void {
    this.record("caller.dtmf", { digit, delivered: this.handleTones });
    if (!this.handleTones || this.status !== "connected") return;
    this.counters.dtmfReceived++;
    this.#deps.emit(this, "Call.ToneReceived", { tone: digit });
  }

  #maybeStartScript(): void {
    // The person starts talking once the call is up and its audio reaches an open WebSocket (as in
    // the Twilio simulator, where the script starts with the first stream): speech before that
    // would be lost, and a scenario usually calls sendMediaTo before its socket has opened.
    if (this.#scriptStarted || this.status !== "connected" || !this.#targets.some((t) => t.sink.open)) return;
    this.#scriptStarted = true;
    const line: ScriptLine = {
      signal: this.#abort.signal,
      nowMs: () => this.nowMs(),
      speak: (text) => this.#deps.speak(text),
      audio: this.#audio,
      sendDtmf: (digit) => this.#callerTone(digit),
      agentActivity: () => ({ activeFrames: this.#activeFrames, lastActiveMs: this.#lastActiveMs, queuedBytes: this.#queuedSamples() * 2 }),
      hangup: () => this.disconnect("caller"),
      record: (kind, detail) => this.record(kind, detail),
      speechSegment: (start, end) => this.#callerSpeech.push([start, end]),
    };
    void runScript(this.init.script, line).then(() => this.record("caller.script_done"));
  }

  #clock(): void {
    const started = performance.now();
    let frames = 0;
    const tick = (): void => {
      if (this.status !== "connected") return;
      const due = Math.floor((performance.now() - started) / frameMs) + 1;
      while (frames < due && this.status === "connected") {
        frames++;
        this.#frame();
      }
      this.#timer = setTimeout(tick, Math.max(0, started + frames * frameMs - performance.now()));
    };
    tick();
  }

  #frame(): void {
    if (!this.#scriptStarted) this.#maybeStartScript();
    const caller = this.#audio.nextFrame();
    const pcm = caller.audio ? mulawDecode(caller.frame) : silentFrame;
    for (const t of this.#targets) {
      if (!t.sink.open) continue;
      if (!t.started) {
        t.sink.send(t.stream.start());
        t.started = true;
      }
      t.sink.send(t.stream.media(pcm));
      this.counters.mediaSent++;
    }
    this.#playFrame();
  }

  #playFrame(): void {
    const out = new Int16Array(frameSamples);
    let filled = 0;
    while (filled < frameSamples && this.#playback.length > 0) {
      const head = this.#playback[0];
      if (!head) break;
      const take = Math.min(frameSamples - filled, head.length - this.#playbackOffset);
      out.set(head.subarray(this.#playbackOffset, this.#playbackOffset + take), filled);
      filled += take;
      this.#playbackOffset += take;
      if (this.#playbackOffset >= head.length) {
        this.#playback.shift();
        this.#playbackOffset = 0;
      }
    }
    this.#agentFrames.push(out);
    if (filled > 0 && dbfs(out) >= speechThresholdDbfs) {
      const at = this.nowMs();
      this.#activeFrames++;
      this.#lastActiveMs = at;
      this.#firstAgentAudioMs ??= Math.max(0, at - frameMs);
      const last = this.#agentActive.at(-1);
      if (last && at - frameMs - last[1] < 300) last[1] = at;
      else this.#agentActive.push([at - frameMs, at]);
    }
  }

  /** What the line heard from the scenario since the answer, 8 kHz PCM. */
  agentPcm(): Int16Array {
    const out = new Int16Array(this.#agentFrames.length * frameSamples);
    this.#agentFrames.forEach((f, i) => out.set(f, i * frameSamples));
    return out;
  }

  report(): CallReport {
    const offset = Math.round(this.createdMs - this.#deps.sessionCreatedMs);
    const sessionEvents = this.#deps.sessionEvents().map((e) => ({ ...e, atMs: e.atMs - offset }));
    return {
      id: this.id,
      sessionId: this.init.sessionId,
      accountId: this.init.accountId,
      applicationId: this.init.applicationId,
      direction: this.init.direction,
      from: this.init.from,
      to: this.init.to,
      status: this.status,
      statusHistory: [...this.statusHistory],
      events: [...this.events, ...sessionEvents].sort((a, b) => a.atMs - b.atMs),
      counters: { ...this.counters },
      sipCode: this.sipCode,
      firstAgentAudioMs: this.#firstAgentAudioMs,
      agentAudio: this.#agentActive.map(([a, b]) => [a, b]),
      callerSpeech: [...this.#callerSpeech],
      agentDtmf: this.agentDtmf,
      endedBy: this.endedBy,
      durationS: this.durationS,
      createdAt: this.createdAt.toISOString(),
      endedAt: this.endedAt?.toISOString() ?? null,
    };
  }
}

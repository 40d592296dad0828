// One simulated call: its lifecycle (queued → initiated → ringing → in-progress → a terminal
// status), the status callbacks and AMD results it sends, the TwiML it follows (verbs.ts), the
// line that carries the caller's audio out and plays the agent's audio in, in real time, 20 ms a
// frame, and the record the control API returns.
import { randomBytes } from "node:crypto";
import { dbfs, frameMs, frameSamples, wavEncode } from "./audio.ts";
import { dialOut } from "./callee.ts";
import { DtmfListener } from "./dtmf.ts";
import type { MediaStream } from "./media-stream.ts";
import type { Account, CallCounters, CallEvent, CallReport, CallStatus, PhoneBehaviour, ScriptStep } from "./model.ts";
import { terminalStatuses } from "./model.ts";
import { CallerAudio, runScript, type ScriptLine } from "./script.ts";
import { callParams, rfc2822, sendWebhook } from "./status.ts";
import { runTwiml } from "./verbs.ts";

export interface CallDeps {
  speak(text: string): Int16Array;
  /** What a phone number does when this call dials it (control API), if configured. */
  phone(number: string): PhoneBehaviour | null;
  log(message: string, fields: Record<string, unknown>): void;
  onChange(): void;
}

export interface CallInit {
  account: Account;
  direction: "inbound" | "outbound-api";
  from: string;
  to: string;
  callerName: string | null;
  phoneNumberSid: string | null;
  twiml: string | null;
  url: string | null;
  method: "GET" | "POST";
  statusCallback: string | null;
  statusCallbackMethod: "GET" | "POST";
  statusEvents: Set<string>;
  timeoutS: number;
  timeLimitS: number;
  machineDetection: "Enable" | "DetectMessageEnd" | null;
  asyncAmd: boolean;
  amdCallback: string | null;
  amdCallbackMethod: "GET" | "POST";
  script: ScriptStep[];
  callee: PhoneBehaviour | null;
}

const speechThresholdDbfs = -40;
const segmentGapMs = 300;

export class Call {
  readonly sid = `CA${randomBytes(16).toString("hex")}`;
  readonly init: CallInit;
  readonly deps: CallDeps;
  readonly createdAt = performance.now();
  readonly dateCreated = new Date();
  dateUpdated = new Date();
  startTime: Date | null = null;
  endTime: Date | null = null;
  status: CallStatus;
  answeredBy: string | null = null;
  endedBy: string | null = null;
  readonly statusHistory: { status: CallStatus; atMs: number }[] = [];
  readonly events: CallEvent[] = [];
  readonly counters: CallCounters = { mediaSent: 0, mediaReceived: 0, agentAudioBytes: 0, marksReceived: 0, marksEchoed: 0, clearsReceived: 0, dtmfSent: 0, transfers: 0, webhooks: 0, streams: 0 };
  readonly callerSpeech: [number, number][] = [];
  readonly agentAudio: [number, number][] = [];
  firstAgentAudioMs: number | null = null;
  readonly saidByTwiml: string[] = [];
  readonly transferredTo: string[] = [];
  /** Keys the agent pressed, heard as in-band tones in its audio. */
  agentDtmf = "";
  readonly #dtmf = new DtmfListener();
  /** The call is over: every wait ends. */
  readonly ended = new AbortController();
  /** The TwiML being followed is replaced (REST update with Twiml or Url). */
  interrupt = new AbortController();
  pendingTwiml: string | null = null;
  stream: MediaStream | null = null;
  readonly audio = new CallerAudio();
  #agentPcm: Int16Array[] = [];
  #lineStartedAt: number | null = null;
  #agentActiveFrames = 0;
  #lastAgentActiveMs: number | null = null;
  #scriptStarted = false;
  #callbacks: Promise<void> = Promise.resolve();
  #sequenceNumber = 0;
  #timeLimit: NodeJS.Timeout | null = null;

  constructor(init: CallInit, deps: CallDeps) {
    this.init = init;
    this.deps = deps;
    this.status = init.direction === "inbound" ? "ringing" : "queued";
    this.statusHistory.push({ status: this.status, atMs: 0 });
  }

  get accountSid(): string {
    return this.init.account.sid;
  }

  nowMs(): number {
    return Math.round(performance.now() - this.createdAt);
  }

  get isOver(): boolean {
    return terminalStatuses.has(this.status);
  }

  get answered(): boolean {
    return this.startTime !== null;
  }

  record(kind: string, detail: Record<string, unknown> = {}): void {
    this.events.push({ atMs: this.nowMs(), kind, ...detail });
    this.deps.onChange();
  }

  setStatus(status: CallStatus): void {
    if (this.isOver || this.status === status) return;
    this.status = status;
    this.dateUpdated = new Date();
    this.statusHistory.push({ status, atMs: this.nowMs() });
    this.deps.log("call status", { callSid: this.sid, status });
    this.deps.onChange();
    const event = status === "in-progress" ? "answered" : terminalStatuses.has(status) ? "completed" : status;
    if (this.init.statusCallback && (this.init.statusEvents.has(event) || event === "completed")) this.#queueStatusCallback(status);
  }

  params(status: string = this.status): [string, string][] {
    return callParams({ sid: this.sid, accountSid: this.accountSid, from: this.init.from, to: this.init.to, status, direction: this.init.direction, callerName: this.init.callerName });
  }

  /** A signed request to the application, recorded with its answer. */
  async webhook(purpose: string, url: string, method: "GET" | "POST", params: [string, string][]): Promise<{ status: number; contentType: string | null; body: string; error: string | null }> {
    const res = await sendWebhook(this.init.account.authToken, url, method, params);
    this.counters.webhooks++;
    this.record("webhook", { purpose, url: res.url, method, params: res.params, signature: res.signature, status: res.status, error: res.error, durationMs: res.durationMs, answer: purpose === "voice" || purpose === "action" || purpose === "redirect" ? res.body.slice(0, 4000) : undefined });
    return res;
  }

  #queueStatusCallback(status: CallStatus): void {
    const url = this.init.statusCallback;
    if (!url) return;
    const params = this.params(status === "queued" ? "queued" : status);
    params.push(["CallbackSource", "call-progress-events"], ["SequenceNumber", String(this.#sequenceNumber++)], ["Timestamp", rfc2822(new Date())]);
    if (terminalStatuses.has(status)) {
      const duration = this.durationS ?? 0;
      params.push(["CallDuration", String(duration)], ["Duration", String(Math.ceil(duration / 60))]);
    }
    if (this.answeredBy) params.push(["AnsweredBy", this.answeredBy]);
    // Twilio sends one call's callbacks in order; so does the simulator.
    this.#callbacks = this.#callbacks.then(async () => {
      await this.webhook("status", url, this.init.statusCallbackMethod, params);
    });
  }

  statusCallbacksSent(): Promise<void> {
    return this.#callbacks;
  }

  get durationS(): number | null {
    if (!this.startTime) return this.isOver ? 0 : null;
    return Math.round(((this.endTime ?? new Date()).getTime() - this.startTime.getTime()) / 1000);
  }

  /** The callee picks up (or the platform answers an inbound call): the line starts carrying audio. */
  answer(): void {
    if (this.answered || this.isOver) return;
    this.startTime = new Date();
    this.setStatus("in-progress");
    this.#startLine();
    this.#timeLimit = setTimeout(() => this.end("completed", "time-limit"), this.init.timeLimitS * 1000);
  }

  /** Ends the call once, whatever was going on: stops the stream, the script, and sends the final callback. */
  end(status: CallStatus, by: string): void {
    if (this.isOver) return;
    this.endedBy = by;
    this.endTime = new Date();
    this.stream?.stop();
    this.audio.flush();
    if (this.#timeLimit) clearTimeout(this.#timeLimit);
    this.record("ended", { status, by });
    this.setStatus(status);
    this.ended.abort();
    this.interrupt.abort();
    this.deps.log("call ended", { callSid: this.sid, status, by, durationS: this.durationS });
  }

  /** Replaces what the call executes (REST update with Twiml/Url): stops the current stream first. */
  replaceTwiml(twiml: string): void {
    this.pendingTwiml = twiml;
    this.record("twiml.replaced", {});
    this.stream?.stop();
    this.interrupt.abort();
  }

  /** Runs the whole call: ringing and answer (outbound), then the TwiML, then the hang-up. */
  async run(): Promise<void> {
    try {
      if (this.init.direction === "outbound-api") {
        const go = await dialOut(this);
        if (!go) return;
      }
      await runTwiml(this);
      if (!this.isOver) this.end(this.answered ? "completed" : "failed", "twiml-end");
    } catch (err) {
      this.record("error", { message: err instanceof Error ? err.message : String(err) });
      this.end(this.answered ? "completed" : "failed", "simulator-error");
    }
  }

  /** The script (or machine greeting) starts once a media stream is there to hear it. */
  #scriptWaiters: (() => void)[] = [];
  callerAudioStarted(): Promise<void> {
    if (this.#scriptStarted || this.isOver) return Promise.resolve();
    return new Promise((resolve) => {
      this.#scriptWaiters.push(resolve);
      this.ended.signal.addEventListener("abort", () => resolve(), { once: true });
    });
  }

  /** Starts the callee's script (or machine greeting); the stream verb calls it once `start` has been sent. */
  startCallerAudio(): void {
    if (this.#scriptStarted) return;
    this.#scriptStarted = true;
    for (const w of this.#scriptWaiters.splice(0)) w();
    const steps = this.init.script;
    if (steps.length > 0) void runScript(steps, this.#scriptLine()).then(() => this.record("caller.script_done", {}));
  }

  #scriptLine(): ScriptLine {
    return {
      signal: this.ended.signal,
      nowMs: () => this.nowMs(),
      speak: (text) => this.deps.speak(text),
      audio: this.audio,
      sendDtmf: (digit) => {
        if (this.stream?.open) this.stream.sendDtmf(digit);
      },
      agentActivity: () => ({ activeFrames: this.#agentActiveFrames, lastActiveMs: this.#lastAgentActiveMs, queuedBytes: this.stream?.queuedAudioBytes ?? 0 }),
      hangup: () => this.end("completed", "caller"),
      record: (kind, detail) => this.record(kind, detail),
      speechSegment: (start, end) => this.callerSpeech.push([start, end]),
    };
  }

  /** The 20 ms clock of the line, catching up when the event loop was late so audio never drifts. */
  #startLine(): void {
    const startedAt = performance.now();
    this.#lineStartedAt = startedAt;
    let frames = 0;
    const tick = (): void => {
      if (this.isOver) return;
      const due = Math.floor((performance.now() - startedAt) / frameMs) + 1;
      while (frames < due && !this.isOver) {
        this.#frame(frames);
        frames++;
      }
      setTimeout(tick, Math.max(1, startedAt + frames * frameMs - performance.now()));
    };
    tick();
  }

  #frame(index: number): void {
    const atMs = Math.round((this.#lineStartedAt ?? this.createdAt) - this.createdAt) + index * frameMs;
    const out = this.audio.nextFrame();
    const stream = this.stream?.open ? this.stream : null;
    if (stream) stream.sendMedia(out.frame);
    const played = stream ? stream.playFrame() : { pcm: new Int16Array(frameSamples), played: false };
    this.#agentPcm.push(played.pcm);
    const key = this.#dtmf.push(played.pcm);
    if (key !== null) {
      this.agentDtmf += key;
      this.record("agent.dtmf", { digit: key });
    }
    if (played.played && dbfs(played.pcm) >= speechThresholdDbfs) {
      this.#agentActiveFrames++;
      this.#lastAgentActiveMs = atMs + frameMs;
      if (this.firstAgentAudioMs === null) this.firstAgentAudioMs = atMs;
      const last = this.agentAudio.at(-1);
      if (last && atMs - last[1] < segmentGapMs) last[1] = atMs + frameMs;
      else this.agentAudio.push([atMs, atMs + frameMs]);
    }
  }

  countSent(kind: string): void {
    if (kind === "media") this.counters.mediaSent++;
    else if (kind === "dtmf") this.counters.dtmfSent++;
    else if (kind === "mark") this.counters.marksEchoed++;
  }

  /** What the agent said: the line's received audio since the answer, 8 kHz PCM16 WAV. */
  agentWav(): Buffer {
    const total = this.#agentPcm.reduce((n, p) => n + p.length, 0);
    const pcm = new Int16Array(total);
    let at = 0;
    for (const p of this.#agentPcm) {
      pcm.set(p, at);
      at += p.length;
    }
    return wavEncode(pcm);
  }

  report(): CallReport {
    return {
      sid: this.sid,
      accountSid: this.accountSid,
      direction: this.init.direction,
      from: this.init.from,
      to: this.init.to,
      status: this.status,
      answeredBy: this.answeredBy,
      statusHistory: [...this.statusHistory],
      events: [...this.events],
      counters: { ...this.counters },
      callerSpeech: this.callerSpeech.map(([a, b]) => [a, b]),
      agentAudio: this.agentAudio.map(([a, b]) => [a, b]),
      firstAgentAudioMs: this.firstAgentAudioMs,
      saidByTwiml: [...this.saidByTwiml],
      transferredTo: [...this.transferredTo],
      agentDtmf: this.agentDtmf,
      endedBy: this.endedBy,
      durationS: this.durationS,
      createdAt: this.dateCreated.toISOString(),
      endedAt: this.endTime?.toISOString() ?? null,
    };
  }
}


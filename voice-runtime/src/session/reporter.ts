// Turns what the AgentSession says about a conversation into runtime events: partial and final
// transcripts as turns with their latency metrics, tool calls, errors and token usage.
// The library reports times in seconds (epoch seconds for instants); events carry milliseconds.
// The agent's interim text comes from its transcription output (agent-text.ts), numbered here.
// User turns carry the end-of-turn model's last prediction before them (semantic detection);
// agent turns say whether their reply was generated preemptively (turn-interruptions.ts knows).
import { voice, type llm } from "@livekit/agents";
import type { RuntimeEvent, TurnMetrics } from "@speaknode/contracts";
import type { EventSink } from "../api/event-sink.ts";
import type { ToolCallRecord } from "../tools/types.ts";

export interface TokenUsage {
  prompt: number;
  completion: number;
}

const toMs = (seconds: number | undefined): number | undefined =>
  seconds === undefined || !Number.isFinite(seconds) || seconds < 0 ? undefined : Math.min(Math.round(seconds * 1000), 24 * 3_600_000);
const iso = (epochS: number | undefined, fallbackMs: number): string => new Date(epochS !== undefined && epochS > 0 ? epochS * 1000 : fallbackMs).toISOString();

const round3 = (p: number): number => Math.round(Math.min(1, Math.max(0, p)) * 1000) / 1000;

function stageOf(type: string): "llm" | "stt" | "tts" | "runtime" {
  if (type.startsWith("llm") || type.startsWith("realtime")) return "llm";
  if (type.startsWith("stt")) return "stt";
  if (type.startsWith("tts")) return "tts";
  return "runtime";
}

export class SessionReporter {
  readonly #sink: Pick<EventSink, "push">;
  #language: string;
  #userTurns = 0;
  #agentTurns = 0;
  /** Tool time since the last agent turn: it belongs to the next one. */
  #toolMs = 0;
  readonly usage: TokenUsage = { prompt: 0, completion: 0 };
  readonly onUsage: ((usage: TokenUsage) => void)[] = [];
  /** Texts the agent is saying from cached audio (the greeting cache): their turns say so. */
  readonly #cachedTexts: string[] = [];
  /** The end-of-turn model's prediction for the caller's current turn (its last pause). */
  #eot: { probability: number; threshold: number } | undefined;
  /** Tells whether an agent message was generated preemptively; set once the turn rules are installed. */
  isPreemptive: ((item: llm.ChatMessage) => boolean) | undefined;

  constructor(sink: Pick<EventSink, "push">, language: string) {
    this.#sink = sink;
    this.#language = language;
  }

  set language(language: string) {
    this.#language = language;
  }

  get turns(): number {
    return this.#userTurns + this.#agentTurns;
  }

  /** The number the agent's next final turn will carry (`a<n>`): its interim text goes under the same id. */
  get nextAgentTurn(): number {
    return this.#agentTurns + 1;
  }

  /** Interim text of the agent's turn `turn`; dropped once that turn's final text was reported, so a partial never follows its final. */
  agentPartial(turn: number, text: string): void {
    const trimmed = text.trim();
    if (turn <= this.#agentTurns || trimmed.length === 0) return;
    this.#sink.push({ type: "transcript.partial", turnId: `a${turn}`, role: "agent", text: trimmed.slice(0, 20_000) });
  }

  attach(session: voice.AgentSession): void {
    session.on(voice.AgentSessionEventTypes.UserInputTranscribed, (ev) => {
      if (ev.isFinal || ev.transcript.trim().length === 0) return;
      this.#sink.push({ type: "transcript.partial", turnId: `u${this.#userTurns + 1}`, role: "user", text: ev.transcript.slice(0, 20_000) });
    });
    // A prediction judges the pause it was made in: a new stretch of speech makes it stale.
    session.on(voice.AgentSessionEventTypes.UserStateChanged, (ev) => {
      if (ev.newState === "speaking") this.#eot = undefined;
    });
    session.on(voice.AgentSessionEventTypes.EotPrediction, (ev) => {
      this.#eot = { probability: ev.probability, threshold: ev.threshold };
    });
    session.on(voice.AgentSessionEventTypes.ConversationItemAdded, (ev) => {
      if (ev.item.type === "message") this.#message(ev.item);
    });
    session.on(voice.AgentSessionEventTypes.MetricsCollected, (ev) => {
      const m = ev.metrics;
      if (m.type === "llm_metrics") {
        this.usage.prompt += m.promptTokens;
        this.usage.completion += m.completionTokens;
        for (const listener of this.onUsage) listener(this.usage);
      }
    });
    session.on(voice.AgentSessionEventTypes.Error, (ev) => {
      const error = ev.error;
      const recoverable = "recoverable" in error ? Boolean(error.recoverable) : false;
      const inner = "error" in error && error.error instanceof Error ? error.error : undefined;
      this.#sink.push({
        type: "error",
        code: `${stageOf(error.type)}_error`,
        stage: stageOf(error.type),
        message: (inner?.message ?? error.type).slice(0, 2000),
        // A recoverable error is retried by the library; an unrecoverable one closes the session, which the runner reports.
        fatal: false,
        retryable: recoverable,
      });
    });
  }

  /** The agent's next turn with this text plays cached audio, with no speech synthesis on the call. */
  noteCachedAudio(text: string): void {
    this.#cachedTexts.push(text.trim());
  }

  toolCall(record: ToolCallRecord): void {
    this.#toolMs += record.latencyMs;
    this.#sink.push({ type: "tool.call", ...record, turnId: `a${this.#agentTurns + 1}` });
  }

  #message(item: llm.ChatMessage): void {
    const text = (item.textContent ?? "").trim();
    if (item.role !== "user" && item.role !== "assistant") return;
    if (text.length === 0) return;
    const m = item.metrics;
    const nowMs = Date.now();
    const startedAt = iso(m.startedSpeakingAt, item.createdAt || nowMs);
    let endedAt = iso(m.stoppedSpeakingAt, nowMs);
    if (Date.parse(endedAt) < Date.parse(startedAt)) endedAt = startedAt;
    let event: RuntimeEvent;
    if (item.role === "user") {
      this.#userTurns += 1;
      const metrics: TurnMetrics = {};
      const eou = toMs(m.endOfTurnDelay);
      const stt = toMs(m.transcriptionDelay);
      if (eou !== undefined) metrics.endOfUtteranceDelayMs = eou;
      if (stt !== undefined) metrics.sttFinalMs = stt;
      if (this.#eot) {
        metrics.endOfTurnProbability = round3(this.#eot.probability);
        metrics.endOfTurnThreshold = round3(this.#eot.threshold);
        this.#eot = undefined;
      }
      event = { type: "turn", turnId: `u${this.#userTurns}`, role: "user", text: text.slice(0, 20_000), language: this.#language, startedAt, endedAt, interrupted: false, metrics };
    } else {
      this.#agentTurns += 1;
      const metrics: TurnMetrics = {};
      const ttft = toMs(m.llmNodeTtft);
      const ttfb = toMs(m.ttsNodeTtfb);
      const v2v = toMs(m.e2eLatency);
      if (ttft !== undefined) metrics.llmTimeToFirstTokenMs = ttft;
      if (ttfb !== undefined) metrics.ttsTimeToFirstByteMs = ttfb;
      if (v2v !== undefined) metrics.voiceToVoiceMs = v2v;
      if (this.#toolMs > 0) metrics.toolMs = Math.round(this.#toolMs);
      if (this.isPreemptive?.(item)) metrics.preemptive = true;
      const cached = this.#cachedTexts.indexOf(text);
      if (cached >= 0) {
        this.#cachedTexts.splice(cached, 1);
        metrics.audioFromCache = true;
      }
      this.#toolMs = 0;
      event = { type: "turn", turnId: `a${this.#agentTurns}`, role: "agent", text: text.slice(0, 20_000), language: this.#language, startedAt, endedAt, interrupted: item.interrupted, metrics };
    }
    this.#sink.push(event);
  }
}

// Runs one session from the agent's side: fetches its configuration, builds the agent, greets,
// converses, reports everything to the runtime API, and always ends the session — Completed
// with a reason, or Failed with one — never leaving it Active. The transport (LiveKit room or
// local WebSocket) only supplies the audio (`CallIo`); this code path is the same for both.
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { voice, type llm } from "@livekit/agents";
import { turnSettingsForChannel, type RuntimeConfig } from "@speaknode/contracts";
import { RuntimeApiError } from "../api/client.ts";
import { EventPendingError, EventSink } from "../api/event-sink.ts";
import { errorFields, log } from "../log.ts";
import type { ProviderRegistry, SessionProviders } from "../providers/registry.ts";
import { deliverRecording, recordingDirPrefix } from "../recording/delivery.ts";
import { CallRecorder } from "../recording/recorder.ts";
import type { WebhookToolHooks } from "../tools/types.ts";
import { playGreeting } from "../greeting/play-greeting.ts";
import { buildAgent, instructionsFor, localeOf, sttOptions, type SpeaknodeAgent } from "./agent-builder.ts";
import { tapAgentText } from "./agent-text.ts";
import { PhoneCall } from "./phone.ts";
import { closeFailureOf, failureOf, refusalOf, type Failure } from "./provider-failures.ts";
import type { CallIo, RunnerDeps, RunningSession, SessionOutcome } from "./runner-types.ts";
import { closingLine } from "./phrases.ts";
import { SessionReporter } from "./reporter.ts";
import { withSessionTelemetry, type SessionTelemetry } from "../telemetry/session-context.ts";
import type { SessionControl } from "./system-tools.ts";
import { ContinuationCue } from "./turn-continuation.ts";
import { warmTurnDetection } from "./turn-eot.ts";
import { turnPlanFor, type TurnPlan } from "./turn-handling.ts";
import { installTurnRules, type SessionTurnRules } from "./turn-interruptions.ts";

export type { CallIo, RunnerDeps, RunningSession, SessionOutcome } from "./runner-types.ts";

// The bench and the tests build the session's turn handling the way the runner does.
export { turnHandlingFor } from "./turn-handling.ts";

export async function runSession(io: CallIo, deps: RunnerDeps): Promise<SessionOutcome> {
  const started = await startSession(io, deps);
  return "outcome" in started ? started.outcome : started;
}

/** Starts the session; resolves once the agent is ready (or with the outcome if it never got there). */
export async function startSession(io: CallIo, deps: RunnerDeps): Promise<RunningSession | SessionOutcome> {
  // Everything the session does, to its last report, runs in its telemetry context: every span
  // it makes carries its session (and agent) id.
  const telemetry: SessionTelemetry = { sessionId: io.sessionId, agentId: undefined };
  return withSessionTelemetry(telemetry, () => startSessionInContext(io, deps, telemetry));
}

async function startSessionInContext(io: CallIo, deps: RunnerDeps, telemetry: SessionTelemetry): Promise<RunningSession | SessionOutcome> {
  const sessionId = io.sessionId;
  const sink = deps.events?.open(sessionId) ?? new EventSink(deps.api, sessionId);
  let config: RuntimeConfig;
  try {
    config = await deps.api.config(sessionId);
  } catch (err) {
    log.error("session configuration unavailable", { sessionId, ...errorFields(err) });
    await sink.send({ type: "error", code: "config_unavailable", stage: "runtime", message: err instanceof Error ? err.message : String(err), fatal: true }).catch(() => {});
    await io.close("configuration unavailable");
    return { status: "failed", reason: "config_unavailable", turns: 0, usage: { prompt: 0, completion: 0 } };
  }
  if (config.status !== "dispatching") {
    log.warn("session is not waiting for an agent", { sessionId, status: config.status });
    // Nothing was reported, nothing will be: let go of the session's (empty) spool.
    await sink.stop();
    await io.close(`the session is ${config.status}`);
    return { status: "failed", reason: `session_${config.status}`, turns: 0, usage: { prompt: 0, completion: 0 } };
  }
  telemetry.agentId = config.agentId;
  return new SessionRun(io, deps, config, sink, telemetry).start();
}

class SessionRun {
  readonly #io: CallIo;
  readonly #deps: RunnerDeps;
  readonly #sink: EventSink;
  readonly #startedAtMs = Date.now();
  readonly #reporter: SessionReporter;
  #config: RuntimeConfig;
  #language: string;
  #agent: SpeaknodeAgent | undefined;
  #session: voice.AgentSession | undefined;
  /** Why the agent side is ending the call (end_call, token limit), once it is. */
  #ending: string | undefined;
  #failure: Failure | undefined;
  #recorder: CallRecorder | undefined;
  #recordingDir: string | undefined;
  readonly #providers: SessionProviders;
  readonly #telemetry: SessionTelemetry;
  readonly #phone: PhoneCall;
  #turnRules: SessionTurnRules | undefined;
  /** The caller's transcript ending mid-sentence holds the turn (read in the current language). */
  readonly #continuation = new ContinuationCue(() => this.#language);
  #heartbeatInFlight: Promise<void> | undefined;

  constructor(io: CallIo, deps: RunnerDeps, config: RuntimeConfig, sink: EventSink, telemetry: SessionTelemetry) {
    this.#io = io;
    this.#deps = deps;
    this.#config = config;
    this.#sink = sink;
    this.#telemetry = telemetry;
    this.#language = localeOf(config, config.language).language;
    this.#reporter = new SessionReporter(sink, this.#language);
    this.#providers = deps.providers.forSession();
    this.#phone = new PhoneCall(io.phone, config.phone, {
      sessionId: io.sessionId,
      api: deps.api,
      report: (event) => this.#sink.push(event),
      beginEnding: (reason) => this.#beginEnding(reason),
    });
  }

  get #tokenLimit(): number | null {
    return this.#config.agent.maxTokensPerConversation;
  }

  readonly #control: SessionControl = {
    endCall: (reason, farewell) => this.#endCall(reason, farewell),
    prepareTransfer: (agentId, reason) => this.#prepareTransfer(agentId, reason),
    switchLanguage: (language) => this.#switchLanguage(language),
    sendDtmf: (digits) => this.#phone.sendDtmf(digits),
    transferToNumber: (destination, reason) => this.#phone.transfer(destination, reason),
    onToolCall: (record) => this.#reporter.toolCall(record),
  };

  readonly #toolHooks: WebhookToolHooks = {
    say: (text) => {
      const handle = this.#requireSession().say(text, { allowInterruptions: true, addToChatCtx: false });
      return { interrupt: () => void handle.interrupt(), done: handle.waitForPlayout().then(() => undefined) };
    },
    onCall: (record) => this.#reporter.toolCall(record),
    transfer: (targetAgentId, reason) => {
      this.#prepareTransfer(targetAgentId, reason)
        .then((next) => this.#requireSession().updateAgent(next))
        .catch((err: unknown) => log.warn("transfer after tool result failed", { sessionId: this.#io.sessionId, ...errorFields(err) }));
    },
  };

  #requireSession(): voice.AgentSession {
    if (!this.#session) throw new Error("the agent session has not started");
    return this.#session;
  }

  async start(): Promise<RunningSession | SessionOutcome> {
    let closed: Promise<voice.CloseEvent>;
    try {
      const plan = this.#turnPlan(this.#config, this.#language);
      // Once per process (the model's load blocks for about a second): before the caller speaks.
      if (plan.semantic) await warmTurnDetection();
      const vad = await this.#providers.vad(plan.vad);
      // A phone number may have recording off; every other call follows the runtime's setting.
      if (this.#deps.recording.enabled && this.#config.phone?.recordingEnabled !== false) {
        this.#recordingDir = await mkdtemp(join(this.#deps.recording.dir ?? tmpdir(), recordingDirPrefix(this.#io.sessionId)));
        this.#recorder = new CallRecorder({ dir: this.#recordingDir });
      }
      // A space's provider key goes only to its own vetted base URL; vetted before any provider is made.
      await this.#providers.use(this.#config);
      this.#agent = buildAgent(this.#setup(this.#config, this.#language, vad, plan, undefined, false));
      const session = new voice.AgentSession({
        vad,
        userAwayTimeout: null,
        // The library ignores barge-in for the first seconds of agent speech (echo-canceller
        // warm-up); callers' devices and phone networks cancel echo, so we let them interrupt.
        aecWarmupDuration: null,
        turnHandling: plan.handling,
      });
      this.#session = session;
      this.#continuation.attach(session);
      this.#reporter.attach(session);
      session.on(voice.AgentSessionEventTypes.Error, (ev) => this.#onProviderError(ev.error));
      this.#reporter.onUsage.push((usage) => {
        const limit = this.#tokenLimit;
        if (limit !== null && usage.prompt + usage.completion >= limit && !this.#ending) this.#endCall("token_limit", closingLine(this.#language));
      });
      closed = new Promise<voice.CloseEvent>((resolve) => session.once(voice.AgentSessionEventTypes.Close, resolve));
      const { room } = this.#io.attach(session, this.#recorder);
      await session.start({ agent: this.#agent, ...(room ? { room } : {}) });
      this.#io.afterStart?.(session, this.#recorder);
      this.#turnRules = installTurnRules(session, plan.settings, this.#language);
      this.#reporter.isPreemptive = this.#turnRules?.isPreemptive;
      tapAgentText(session, this.#reporter);
      this.#phone.attach(session);
      this.#io.setBackground(this.#backgroundOf(this.#config, this.#language));
      // The greeting does not wait for the platform's answer to agent.ready: the sink keeps that
      // event ahead of every later one, and a refusal still ends the call.
      const ready = this.#sink.send({ type: "agent.ready" });
      this.#greet(session);
      await ready;
    } catch (err) {
      return this.#abort(err);
    }
    log.info("session active", { sessionId: this.#io.sessionId, agentId: this.#config.agentId, language: this.#language });
    return { session: this.#requireSession(), outcome: this.#converse(closed) };
  }

  /** The first message: from the greeting cache when it holds it (no synthesis on the call), else spoken and cached. */
  #greet(session: voice.AgentSession): void {
    const locale = localeOf(this.#config, this.#language);
    if (!locale.firstMessage) return;
    const allowInterruptions = this.#config.agent.vad.allowInterruptionsDuringFirstMessage;
    if (this.#deps.greetings) playGreeting(session, this.#reporter, { cache: this.#deps.greetings, agent: this.#config, locale, allowInterruptions });
    else session.say(locale.firstMessage, { allowInterruptions });
  }

  async #abort(err: unknown): Promise<SessionOutcome> {
    this.#noteFailure(err);
    await this.#session?.close().catch(() => {});
    await this.#io.close("the agent failed").catch(() => {});
    return this.#finish("agent_failed");
  }

  #noteFailure(err: unknown): void {
    if (err instanceof RuntimeApiError && err.status === 409) {
      // The platform no longer waits for us (dispatch timed out, or the session was ended).
      this.#failure ??= { stage: "runtime", code: "session_closed", message: err.message };
    } else {
      this.#failure ??= failureOf(err);
      log.error("session run failed", { sessionId: this.#io.sessionId, ...errorFields(err) });
    }
  }

  async #converse(closed: Promise<voice.CloseEvent>): Promise<SessionOutcome> {
    const session = this.#requireSession();
    const heartbeat = setInterval(() => this.#heartbeat(), this.#deps.heartbeatIntervalMs);
    let endReason = "caller_hung_up";
    try {
      const end = await Promise.race([this.#io.ended.then((e) => ({ kind: "call" as const, e })), closed.then((e) => ({ kind: "session" as const, e }))]);
      if (end.kind === "call") {
        // After a transfer the Worker's <Dial> ends the stream: expected, however the transport saw it.
        if (end.e.failed && this.#ending !== "transferred") this.#failure ??= { stage: "media", code: "media_lost", message: end.e.reason };
        endReason = this.#ending ?? "caller_hung_up";
        await session.close();
      } else {
        if (end.e.error) this.#failure ??= closeFailureOf(end.e.error, this.#config, this.#language);
        endReason = this.#ending ?? "agent_session_closed";
        await this.#io.close(this.#failure ? "the agent failed" : "the agent ended the call");
      }
    } catch (err) {
      this.#noteFailure(err);
      await session.close().catch(() => {});
      await this.#io.close("the agent failed").catch(() => {});
    } finally {
      clearInterval(heartbeat);
    }
    return this.#finish(endReason);
  }

  async #finish(endReason: string): Promise<SessionOutcome> {
    const sessionId = this.#io.sessionId;
    this.#phone.detach();
    await this.#providers.closeAll();
    let audioAvailable = false;
    if (this.#recorder) {
      // Uploading a long call's tracks takes minutes: heartbeats go on meanwhile, or the platform
      // would take the silence for a lost runtime and fail a session that ended well.
      const heartbeat = setInterval(() => this.#heartbeat(), this.#deps.heartbeatIntervalMs);
      try {
        const result = await this.#recorder.finish();
        // removes the files only once every upload is confirmed
        ({ audioAvailable } = await deliverRecording(this.#deps.api, sessionId, this.#recorder.dir, { peaks: result.peaks, durationMs: result.durationMs }));
      } catch (err) {
        log.error("recording upload failed; the files stay on disk for the recording sweeper", { sessionId, ...errorFields(err) });
      } finally {
        clearInterval(heartbeat);
      }
    }
    // No flush first: the sink reports the end only after everything queued before it.
    await this.#heartbeatInFlight;
    const usage = { ...this.#reporter.usage };
    const failure = this.#failure;
    try {
      if (failure && failure.code !== "session_closed") {
        await this.#sink.send({ type: "error", code: failure.code, stage: failure.stage, message: failure.message.slice(0, 2000), fatal: true });
      } else if (!failure) {
        await this.#sink.send({ type: "completed", tokenUsage: usage, durationMs: Date.now() - this.#startedAtMs, endReason, audioAvailable });
      }
    } catch (err) {
      if (err instanceof EventPendingError) log.warn("session outcome not acknowledged yet; it stays spooled until the API takes it", { sessionId });
      else log.error("session outcome not delivered", { sessionId, ...errorFields(err) });
    }
    const outcome: SessionOutcome = failure
      ? { status: "failed", reason: failure.code, turns: this.#reporter.turns, usage }
      : { status: "completed", reason: endReason, turns: this.#reporter.turns, usage };
    log.info("session ended", { sessionId, status: outcome.status, reason: outcome.reason, turns: outcome.turns });
    // Not awaited: the outcome does not wait for the export.
    void this.#deps.telemetry?.flush().catch(() => {});
    return outcome;
  }

  /** A provider refusing the call (bad key, unknown voice) ends it now, saying why. */
  #onProviderError(error: { type: string; recoverable?: boolean; error?: unknown }): void {
    if (this.#failure || this.#ending) return;
    const refusal = refusalOf(error, this.#config, this.#language);
    if (!refusal) return;
    this.#failure = refusal;
    log.warn("provider refused; ending the session", { sessionId: this.#io.sessionId, stage: refusal.stage });
    this.#session?.shutdown({ drain: false, reason: "provider_refused" });
  }

  #heartbeat(): void {
    // One at a time; the final report waits for the one in flight, so no heartbeat trails the end.
    if (this.#heartbeatInFlight) return;
    this.#heartbeatInFlight = this.#deps.api
      .postEvent(this.#io.sessionId, `heartbeat-${Date.now()}`, { type: "heartbeat" })
      .then(
        () => undefined,
        (err: unknown) => {
          if (err instanceof RuntimeApiError && err.status === 409 && !this.#failure) {
            this.#failure = { stage: "runtime", code: "session_closed", message: "the platform ended the session" };
            log.warn("platform ended the session; hanging up", { sessionId: this.#io.sessionId });
            this.#session?.shutdown({ drain: false, reason: "session_closed" });
          }
        },
      )
      .finally(() => (this.#heartbeatInFlight = undefined));
  }

  #turnPlan(config: RuntimeConfig, language: string): TurnPlan {
    return turnPlanFor(config, { phone: this.#io.phone !== undefined }, language, this.#continuation);
  }

  #setup(config: RuntimeConfig, language: string, vad: Awaited<ReturnType<ProviderRegistry["vad"]>>, turn: TurnPlan, chatCtx: llm.ChatContext | undefined, greetOnEnter: boolean) {
    return {
      config,
      language,
      providers: this.#providers,
      vad,
      turn,
      guard: this.#deps.guard,
      maxResponseChars: this.#deps.maxResponseChars,
      toolHooks: this.#toolHooks,
      control: this.#control,
      greetOnEnter,
      ...(chatCtx ? { chatCtx } : {}),
    };
  }

  #backgroundOf(config: RuntimeConfig, language: string): { sound: string; volume: number } | null {
    const bg = localeOf(config, language).background;
    return bg.sound === "none" || bg.volume === 0 ? null : { sound: bg.sound, volume: bg.volume };
  }

  /** The agent side ends the call for `reason` (its end reason), once; false when it already is ending. */
  #beginEnding(reason: string): boolean {
    if (this.#ending) return false;
    this.#ending = reason;
    return true;
  }

  #endCall(reason: string, farewell: string | undefined): void {
    if (!this.#beginEnding(reason)) return;
    const session = this.#requireSession();
    if (farewell) session.say(farewell, { allowInterruptions: false, addToChatCtx: true });
    log.info("agent ends the call", { sessionId: this.#io.sessionId, reason });
    session.shutdown({ drain: true, reason });
  }

  async #prepareTransfer(agentId: string, reason: string): Promise<SpeaknodeAgent> {
    const current = this.#agent;
    if (!current) throw new Error("no agent to transfer from");
    const target = await this.#deps.api.transferConfig(this.#io.sessionId, agentId);
    const language = target.locales.some((l) => l.language === this.#language) ? this.#language : localeOf(target, target.agent.defaultLanguage).language;
    const plan = this.#turnPlan(target, language);
    if (plan.semantic) await warmTurnDetection();
    const vad = await this.#providers.vad(plan.vad);
    const chatCtx = current.chatCtx.copy({ excludeInstructions: true });
    await this.#providers.use(target);
    const next = buildAgent(this.#setup(target, language, vad, plan, chatCtx, true));
    this.#turnRules?.update(plan.settings, language);
    this.#sink.push({ type: "agent.transferred", fromAgentId: this.#config.agentId, toAgentId: agentId, reason: reason.slice(0, 500) || "transfer", language });
    log.info("agent hand-off", { sessionId: this.#io.sessionId, fromAgentId: this.#config.agentId, toAgentId: agentId });
    this.#config = target;
    this.#telemetry.agentId = agentId;
    this.#agent = next;
    this.#language = language;
    this.#reporter.language = language;
    this.#io.setBackground(this.#backgroundOf(target, language));
    return next;
  }

  async #switchLanguage(language: string): Promise<void> {
    const agent = this.#agent;
    if (!agent) throw new Error("no agent");
    const locale = localeOf(this.#config, language);
    if (locale.language !== language) throw new Error(`the agent does not speak ${language}`);
    const stt = this.#providers.stt(this.#config.agent.stt, language, sttOptions(this.#config, agent.vad));
    await agent.updateOptions({ stt, tts: this.#providers.tts(locale) });
    await agent.updateInstructions(instructionsFor(this.#config, language));
    this.#turnRules?.update(turnSettingsForChannel(this.#config.agent.turn, this.#io.phone !== undefined), language);
    this.#language = language;
    this.#reporter.language = language;
    this.#io.setBackground(this.#backgroundOf(this.#config, language));
    log.info("language switched", { sessionId: this.#io.sessionId, language });
  }
}

// Audio mode of a test case: the caller's lines are spoken (flite) into the agent's session in real
// time, as a web caller (16 kHz) or a phone caller (8 kHz μ-law), so the agent's own VAD, STT, turn
// detection and interruption rules decide what it heard and when it answers — as on a call. The
// session is built as the runner builds a call's (turn plan, VAD, interruption rules, greeting),
// without the runtime API: nothing is fetched or reported, the ConversationLog records it all.
//
// The caller waits for each reply to finish (the agent back to listening and staying there) before
// its next line. A reply that runs past `replyTimeoutMs` is talked over: the next line is said while
// the agent speaks, and the agent's interruption rules decide whether it stops (barge-in).
import { voice } from "@livekit/agents";
import type { RuntimeConfig } from "@speaknode/contracts";
import type { SessionProviders } from "../providers/registry.ts";
import { localeOf } from "../session/agent-builder.ts";
import { ContinuationCue } from "../session/turn-continuation.ts";
import { warmTurnDetection } from "../session/turn-eot.ts";
import { turnPlanFor } from "../session/turn-handling.ts";
import { installTurnRules } from "../session/turn-interruptions.ts";
import type { JobUsage } from "../llm-jobs/structured.ts";
import { CallerLine } from "./audio-line.ts";
import type { CallerScript, ConversationLog } from "./log.ts";
import { CaseDeadlineError, SessionFailedError } from "./text.ts";

export interface AudioConversationOptions {
  agent: voice.Agent;
  config: RuntimeConfig;
  /** The session's providers, access vetted already (`providers.use(config)`); the caller closes them. */
  providers: SessionProviders;
  caller: CallerScript;
  log: ConversationLog;
  /** Speak as a phone caller: 8 kHz μ-law through the Twilio transport's codec. */
  phone: boolean;
  /** Epoch ms after which the case stops (CaseDeadlineError when the caller was not done). */
  deadlineMs: number;
  /** The agent's LLM tokens are added here. */
  usage?: JobUsage;
  /** How long the caller listens to a reply (from when the agent starts on it) before saying its next line over it (default 30 s). */
  replyTimeoutMs?: number;
}

const defaultReplyTimeoutMs = 30_000;
/** The agent back to listening for this long has finished its reply (a tool call's pre-speech and answer are one reply). */
const settleMs = 800;
/** Heard nothing for this long after the line (beyond the turn's own endpointing): the agent is not answering. */
const noReplyGraceMs = 4000;
const pollMs = 25;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The agent's state and how many times it changed, read by the waits below. */
class AgentStates {
  state: voice.AgentState = "initializing";
  changedAtMs = Date.now();
  /** Changes into thinking or speaking: the agent doing something. */
  activity = 0;

  constructor(session: voice.AgentSession) {
    session.on(voice.AgentSessionEventTypes.AgentStateChanged, (ev) => {
      this.state = ev.newState;
      this.changedAtMs = Date.now();
      if (ev.newState === "thinking" || ev.newState === "speaking") this.activity++;
    });
  }

  /** Listening (or idle) and has been for `settleMs`. */
  settled(now = Date.now()): boolean {
    return (this.state === "listening" || this.state === "idle") && now - this.changedAtMs >= settleMs;
  }
}

async function until(predicate: () => boolean, deadlineMs: number): Promise<boolean> {
  while (!predicate()) {
    if (Date.now() >= deadlineMs) return false;
    await sleep(pollMs);
  }
  return true;
}

export async function runAudioConversation(o: AudioConversationOptions): Promise<void> {
  const language = localeOf(o.config, o.config.language).language;
  const cue = new ContinuationCue(() => language);
  const plan = turnPlanFor(o.config, { phone: o.phone }, language, cue);
  // Once per process (the end-of-turn model loads for about a second), before the caller speaks.
  if (plan.semantic) await warmTurnDetection();
  const vad = await o.providers.vad(plan.vad);
  const session = new voice.AgentSession({
    vad,
    userAwayTimeout: null,
    // As on a call: the caller may interrupt from the first word (runner.ts says why).
    aecWarmupDuration: null,
    turnHandling: plan.handling,
  });
  const line = new CallerLine({ phone: o.phone });
  const states = new AgentStates(session);
  let closed: voice.CloseEvent | undefined;
  session.once(voice.AgentSessionEventTypes.Close, (ev) => (closed = ev));
  // As in text mode: a provider failing for good makes the case an error, not a failure.
  let failure: SessionFailedError | undefined;
  session.on(voice.AgentSessionEventTypes.Error, (ev) => {
    const error = ev.error as { recoverable?: boolean; error?: unknown };
    if (error.recoverable === false) failure ??= new SessionFailedError(error.error instanceof Error ? error.error.message : "a provider failed");
  });
  session.on(voice.AgentSessionEventTypes.MetricsCollected, (ev) => {
    if (ev.metrics.type !== "llm_metrics" || !o.usage) return;
    o.usage.prompt += ev.metrics.promptTokens;
    o.usage.completion += ev.metrics.completionTokens;
  });
  cue.attach(session);
  session.input.audio = line.input;
  session.output.audio = line.output;
  o.log.attach(session);

  const replyTimeoutMs = o.replyTimeoutMs ?? defaultReplyTimeoutMs;
  const noReplyMs = plan.handling.endpointing.maxDelay + noReplyGraceMs;
  const over = () => closed !== undefined || failure !== undefined || o.log.ended || Date.now() >= o.deadlineMs;
  let callerDone = false;
  /** Waits for the reply expected since `activityBefore` to begin and then to be over; a reply
   *  still going after `replyTimeoutMs` is left to the caller's next line. */
  const replyDone = async (activityBefore: number): Promise<void> => {
    const began = await until(() => states.activity > activityBefore || closed !== undefined, Math.min(o.deadlineMs, Date.now() + noReplyMs));
    if (!began) return;
    const timeoutAt = Math.min(o.deadlineMs, Date.now() + replyTimeoutMs);
    await until(() => states.settled() || closed !== undefined, timeoutAt);
  };

  try {
    await session.start({ agent: o.agent });
    installTurnRules(session, plan.settings, language);
    const firstMessage = localeOf(o.config, language).firstMessage;
    if (firstMessage) {
      const before = states.activity;
      session.say(firstMessage, { allowInterruptions: o.config.agent.vad.allowInterruptionsDuringFirstMessage });
      await replyDone(before);
    }
    while (!over()) {
      // A simulated caller thinks with an LLM: the deadline bounds that too.
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), Math.max(0, o.deadlineMs - Date.now()))));
      const text = await Promise.race([o.caller.nextLine(o.log.lastAgentReply()), late]).finally(() => clearTimeout(timer));
      if (text === undefined) break;
      callerDone = text === null;
      if (text === null || over()) {
        // The caller has no more to say: its last reply plays out (a transfer or goodbye included).
        await until(() => states.settled() || closed !== undefined, Math.min(o.deadlineMs, Date.now() + defaultReplyTimeoutMs));
        break;
      }
      const samples = await line.voiceOf(text);
      const before = states.activity;
      o.log.beginUserTurn(text);
      let said = false;
      void line.say(samples).then(() => (said = true));
      await until(() => said || over(), o.deadlineMs);
      if (over()) break;
      await replyDone(before);
    }
  } finally {
    await session.close().catch(() => {});
    await line.close();
  }
  if (failure) throw failure;
  if (closed?.error) throw new SessionFailedError(`the agent's session closed on an error (${closed.error.type})`);
  if (!callerDone && !o.log.ended && Date.now() >= o.deadlineMs) throw new CaseDeadlineError("the case ran out of time while the caller still had lines");
}
